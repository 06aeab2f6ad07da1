using System.CommandLine;
using Inknowing.DbResilience.PostgreSql.PointInTime;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience basebackup</c>: takes a physical base backup with pg_basebackup into every storage.</summary>
internal static class BaseBackupCommand
{
    public static Command Create()
    {
        var command = new Command("basebackup", "Take a physical base backup (pg_basebackup, lz4) into every storage, with a manifest of its LSNs, timeline and SHA-256.");
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            await using var host = PitrHost.Build(parse, database: true);
            var manifest = await host.GetRequiredService<BaseBackupService>().CreateAsync(cancellationToken);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(manifest);
            }
            else
            {
                Console.WriteLine($"base backup {manifest.Id}: {manifest.Size / 1024.0 / 1024.0:F1} MiB {manifest.Compression}, WAL {manifest.StartLsn} to {manifest.StopLsn} on timeline {manifest.Timeline}, PostgreSQL {manifest.PostgreSqlVersion}");
                Console.WriteLine($"stored in {string.Join(", ", manifest.Storages)}; sha256 {manifest.Sha256}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
