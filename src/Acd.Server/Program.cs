using Acd.Server;

return await AcdHost.RunAsync(args);
