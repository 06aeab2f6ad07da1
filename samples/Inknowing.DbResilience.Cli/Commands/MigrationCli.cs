using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Migrations;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary>What the migration verbs share: <c>--migrations DIR</c> and building the library with migrations added.</summary>
internal static class MigrationCli
{
    public static Option<string> Migrations { get; } = new("--migrations")
    {
        Description = "Directory of V<version>__<name>.sql, R<version>__<name>.sql (rollback), S<version>__<name>.sql (seed) and A__<name>.sql (repeatable) files.",
        Required = true,
    };

    public static Option<string?> Schema { get; } = new("--schema")
    {
        Description = $"Schema of the schema_migrations and migration_history tables, the same as --library-schema (default: ${GlobalOptions.SchemaVariable}, else {DbResilienceOptions.DefaultSchema}).",
    };

    public static Option<int> LockTimeoutSeconds { get; } = WithPositiveValue(new("--lock-timeout")
    {
        Description = "Seconds to wait for another process's migration lock before failing.",
        DefaultValueFactory = _ => 300,
    });

    public static Option<bool> IgnoreForeignHistory { get; } = new("--ignore-foreign-history")
    {
        Description = "Go ahead while the library's history is empty and another tool's history (a SQL framework's schema_migrations, Flyway, DbUp, EF Core) "
            + "is in the database: only when that history belongs to another application. Otherwise adopt it or baseline.",
    };

    /// <summary>Adds the options every migration verb takes; <c>--ignore-foreign-history</c> only to those that refuse on another history (not adopt and baseline).</summary>
    public static void AddTo(Command command, bool foreignHistoryOption = true)
    {
        command.Options.Add(Migrations);
        command.Options.Add(Schema);
        command.Options.Add(LockTimeoutSeconds);
        if (foreignHistoryOption)
        {
            command.Options.Add(IgnoreForeignHistory);
        }

        command.Options.Add(GlobalOptions.Json);
    }

    /// <summary>Builds the library from the global options plus the migration options, and returns the runner.</summary>
    /// <exception cref="DbResilienceConfigurationException">An option is missing or invalid.</exception>
    public static (DbResilienceHost Host, IMigrationRunner Runner) Build(ParseResult parse, Action<MigrationOptions>? configure = null)
    {
        var host = BuildHost(parse, configure);
        return (host, host.GetRequiredService<IMigrationRunner>());
    }

    /// <summary>Builds the library from the global options plus the migration options.</summary>
    /// <exception cref="DbResilienceConfigurationException">An option is missing or invalid.</exception>
    public static DbResilienceHost BuildHost(ParseResult parse, Action<MigrationOptions>? configure = null)
    {
        var builder = CliApplication.NewBuilder(parse, parse.GetValue(Schema));
        var connection = CliApplication.GetConnection(parse);
        builder.UsePostgreSql(o => o.ConnectionString = connection);
        builder.AddMigrations(m =>
        {
            m.FromDirectory(parse.GetValue(Migrations)!);
            m.LockTimeout = TimeSpan.FromSeconds(parse.GetValue(LockTimeoutSeconds));
            m.IgnoreForeignHistories = parse.GetValue(IgnoreForeignHistory);
            configure?.Invoke(m);
        });
        return builder.Build();
    }

    /// <summary>Parses a <c>--to</c> / <c>--target</c> version, or reports it as a usage error.</summary>
    /// <exception cref="DbResilienceConfigurationException">The text is not a version.</exception>
    public static MigrationVersion ParseVersion(string option, string text)
        => MigrationVersion.TryParse(text.TrimStart('V', 'v'), out var version)
            ? version
            : throw new DbResilienceConfigurationException($"{option} '{text}' is not a migration version: give digits such as 12 or 1_2.");

    /// <summary>Writes an adoption's or a baseline's mapping as text: one line per version or file, then the notes.</summary>
    public static void Write(MigrationAdoptionResult result, string verb)
    {
        Console.WriteLine(result.SourceTable is null
            ? $"{(result.DryRun ? "dry run, nothing changed: " : string.Empty)}{verb}"
            : $"{(result.DryRun ? "dry run, nothing changed: " : string.Empty)}{verb} {result.SourceTable} ({result.From})");
        Console.WriteLine($"{"version",-16} {"status",-12} {"match",-16} {"was",-24} file / note");
        foreach (var e in result.Entries)
        {
            Console.WriteLine($"{(e.Version.Length == 0 ? "-" : e.Version),-16} {(e.Status == MigrationAdoptionStatus.NotRecorded ? "-" : MigrationText.Of(e.Status)),-12} {e.Match,-16} {e.SourceKey ?? "-",-24} {e.File ?? "-"}{(e.Note is null ? string.Empty : "  (" + e.Note + ")")}");
        }

        foreach (var note in result.Notes)
        {
            Console.WriteLine("note: " + note);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(result.DryRun ? "would record" : "recorded")} {result.VersionsRecorded} version(s) and {result.HistoryRowsRecorded} history row(s) in {result.Duration.TotalSeconds:F2} s."));
    }

    /// <summary>Writes what ran (or would run) as text.</summary>
    public static void Write(MigrationRunResult result, string verb)
    {
        if (result.Executions.Count == 0)
        {
            Console.WriteLine(result.DryRun ? $"dry run: nothing to {verb}." : $"nothing to {verb}: the database is up to date.");
            return;
        }

        foreach (var execution in result.Executions)
        {
            if (result.DryRun)
            {
                Console.WriteLine($"-- would {MigrationText.Of(execution.Action)} {execution.Key} {execution.Name} ({execution.Origin}){(execution.Transactional ? string.Empty : ", outside a transaction")}");
                Console.WriteLine(execution.Sql.TrimEnd());
                Console.WriteLine();
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(execution.Action == MigrationAction.Apply ? "applied" : "rolled back"),-12} {execution.Key,-10} {execution.Name,-40} {execution.Duration.TotalMilliseconds,8:F0} ms{(execution.RestorePointName is null ? string.Empty : "  restore point " + execution.RestorePointName)}"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(result.DryRun ? "dry run: " : string.Empty)}{result.Executions.Count} script(s) in {result.Duration.TotalSeconds:F2} s"));
    }

    /// <summary>Refuses a value below 1 at parse time, naming the option (exit 2), rather than later in the library's terms.</summary>
    private static Option<int> WithPositiveValue(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError($"{option.Name} must be a positive number of seconds, not {result.GetValueOrDefault<int>()}.");
            }
        });
        return option;
    }
}
