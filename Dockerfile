# Multi-stage build of the Acd server. The runtime image holds only the published server, the IVR scripts
# and the configuration examples. Run it with deploy/docker-compose.yml.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig Acd.sln ./
COPY src/ src/
RUN dotnet publish src/Acd.Server/Acd.Server.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
COPY ivr-scripts/ /app/ivr-scripts/
COPY deploy/sample/ /app/deploy/sample/
COPY deploy/production/ /app/deploy/production/
RUN useradd --system --home /var/lib/acd acd && mkdir -p /var/lib/acd/records && chown -R acd /var/lib/acd
# The RTP pacing threads ask for nice -10 (fewer late audio frames on a busy host: benchmarks/RESULTS.md, "Issue 6
# leftovers"), which needs CAP_SYS_NICE. Docker gives a non-root user an added capability (cap_add: [SYS_NICE] in
# deploy/docker-compose.yml) as inheritable only; this file capability on the dotnet host (inheritable + effective,
# nothing permitted by itself) makes it effective when the container is granted it, and changes nothing otherwise.
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin \
    && setcap cap_sys_nice=ei "$(readlink -f /usr/share/dotnet/dotnet)" \
    && apt-get purge -y libcap2-bin && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
USER acd
ENV Acd__Config=/app/deploy/production/acd.yaml \
    Api__Config=/app/deploy/production/api.yaml \
    Ivr__Scripts=/app/ivr-scripts \
    Records__Path=/var/lib/acd/records \
    Sip__Bind=0.0.0.0 \
    ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 5060/udp 5060/tcp 8080/tcp 20000-20999/udp
ENTRYPOINT ["dotnet", "acd.dll"]
