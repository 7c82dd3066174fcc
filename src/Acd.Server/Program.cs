using Acd.Server;

// `acd ivr validate|graph|simulate ...`: IVR script tooling, no host started.
if (args.Length > 0 && args[0] == "ivr")
{
    return await Acd.Ivr.Tooling.IvrCommandLine.RunAsync(args[1..], Console.Out, Console.Error);
}

return await AcdHost.RunAsync(args);
