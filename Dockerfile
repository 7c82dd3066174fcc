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
USER acd
ENV Acd__Config=/app/deploy/production/acd.yaml \
    Ivr__Scripts=/app/ivr-scripts \
    Records__Path=/var/lib/acd/records \
    Sip__Bind=0.0.0.0 \
    ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 5060/udp 5060/tcp 8080/tcp 20000-20999/udp
ENTRYPOINT ["dotnet", "acd.dll"]
