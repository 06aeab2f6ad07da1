using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Backups;
using Spectre.Console;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience backup</c>: dumps the database with pg_dump into every storage and prints the backup id.</summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var tier = new Option<string?>("--tier") { Description = "daily, weekly, monthly or manual (default: manual)." };
        var format = new Option<BackupFormat?>("--format") { Description = "custom (default), directory (parallel, stored as a tar) or plain (SQL)." };
        var schemaOnly = new Option<bool>("--schema-only") { Description = "Dump only the schema." };
        var dataOnly = new Option<bool>("--data-only") { Description = "Dump only the data." };
        var tables = new Option<string[]>("--table") { Description = "Dump only matching tables (pg_dump pattern); repeatable." };
        var schemas = new Option<string[]>("--schema") { Description = "Dump only matching schemas (pg_dump pattern); repeatable." };
        var excludeData = new Option<string[]>("--exclude-table-data") { Description = "Leave out the rows of matching tables (pg_dump pattern); repeatable." };
        var compression = new Option<BackupCompression?>("--compression") { Description = "none (default) or gzip, for the plain and directory formats." };
        var jobs = new Option<int?>("--jobs") { Description = "Parallel pg_dump jobs for the directory format (default 2)." };
        var globals = new Option<bool>("--globals") { Description = "Also store roles and tablespaces (pg_dumpall --globals-only) as globals.sql." };
        var encrypt = new Option<bool>("--encrypt")
        {
            Description = "Require encryption (AES-256-GCM): refuse, with exit code 2, when DBRESILIENCE_BACKUP_KEY holds no key. Without it a backup is encrypted whenever that key is set.",
        };
        var command = new Command("backup", "Dump the database with pg_dump, stream it into every storage with its SHA-256, write the manifest last, and print the backup id.")
        {
            tier, format, schemaOnly, dataOnly, tables, schemas, excludeData, compression, jobs, globals, encrypt, GlobalOptions.Json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(schemaOnly) && result.GetValue(dataOnly))
            {
                result.AddError("--schema-only and --data-only cannot be used together.");
            }
        });
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(encrypt))
            {
                RequireEncryptionKey();
            }

            await using var host = CliApplication.BuildHost(parse);
            var service = host.GetRequiredService<IBackupService>();
            var json = parse.GetValue(GlobalOptions.Json);
            var request = new BackupRequest
            {
                Tier = parse.GetValue(tier),
                Format = parse.GetValue(format),
                SchemaOnly = parse.GetValue(schemaOnly) ? true : null,
                DataOnly = parse.GetValue(dataOnly) ? true : null,
                Tables = NullIfEmpty(parse.GetValue(tables)),
                Schemas = NullIfEmpty(parse.GetValue(schemas)),
                ExcludeTableData = NullIfEmpty(parse.GetValue(excludeData)),
                Compression = parse.GetValue(compression),
                Jobs = parse.GetValue(jobs),
                IncludeGlobals = parse.GetValue(globals) ? true : null,
            };

            BackupResult result;
            if (!json && !Console.IsOutputRedirected)
            {
                result = await AnsiConsole.Status().StartAsync("Starting pg_dump...", async context =>
                {
                    var progress = new Progress<BackupProgress>(p => context.Status(Describe(p)));
                    return await service.CreateAsync(request with { Progress = progress }, cancellationToken);
                });
            }
            else
            {
                result = await service.CreateAsync(request, cancellationToken);
            }

            var manifest = result.Manifest;
            if (json)
            {
                CliJson.Write(new Output(manifest.Id, manifest.Sha256, manifest.SizeBytes, manifest.Status, manifest.Locations, result.FailedCopies));
            }
            else
            {
                Console.WriteLine(manifest.Id);
                if (!Console.IsOutputRedirected)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Bytes(manifest.SizeBytes)} in {result.Duration.TotalSeconds:F1} s, SHA-256 {manifest.Sha256}, {manifest.Locations.Count} location(s)"));
                }

                foreach (var failure in result.FailedCopies)
                {
                    Console.Error.WriteLine("warning: copy failed: " + failure);
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static string Describe(BackupProgress p)
    {
        var rate = p.Elapsed.TotalSeconds > 0 ? p.BytesRead / p.Elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{p.BackupId} {p.FileName}: {Bytes(p.BytesRead)} at {Bytes((long)rate)}/s");
    }

    /// <exception cref="DbResilienceConfigurationException">--encrypt was given but no key is set.</exception>
    internal static void RequireEncryptionKey()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(BackupOptions.EncryptionKeyVariable)))
        {
            throw new DbResilienceConfigurationException(
                $"--encrypt was given but {BackupOptions.EncryptionKeyVariable} is not set: export the key (base64 of 32 random bytes, such as the output of "
                + "'openssl rand -base64 32', kept where restores can find it) in that variable; it is never read from the command line. Nothing was backed up.");
        }
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>The <c>--json</c> output.</summary>
    internal sealed record Output(string Id, string Sha256, long SizeBytes, BackupStatus Status, IReadOnlyList<string> Locations, IReadOnlyList<string> FailedCopies);
}
