using Inknowing.DbResilience.Cli;

return await CliApplication.RunAsync(args);
