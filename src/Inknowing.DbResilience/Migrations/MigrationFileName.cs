using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Migrations;

/// <summary>Parses migration file names: <c>V1__name.sql</c>, <c>R1__name.sql</c>, <c>S1__name.sql</c>, <c>A__name.sql</c>.</summary>
internal static partial class MigrationFileName
{
    public const string Help = "name migration files V<version>__<name>.sql (apply), R<version>__<name>.sql (rollback), "
        + "S<version>__<name>.sql (seed) or A__<name>.sql (repeatable), where <version> is digits with parts separated by '_' or '.', such as V12__add_orders.sql";

    /// <summary>Returns whether a file name ends in <c>.sql</c>, so that it must be a migration script.</summary>
    public static bool IsSqlFile(string fileName) => fileName.EndsWith(".sql", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a file name (without directories) into a script, or returns the reason it is not one.</summary>
    public static bool TryCreate(string fileName, string origin, string sql, out MigrationScript? script, out string? error)
    {
        script = null;
        error = null;
        var match = Pattern().Match(fileName);
        if (!match.Success)
        {
            error = $"'{origin}' is not a migration file name: {Help}.";
            return false;
        }

        var prefix = match.Groups["prefix"].Value;
        var name = match.Groups["name"].Value;
        var versionText = match.Groups["version"].Value;
        if (prefix == "A")
        {
            if (versionText.Length > 0)
            {
                error = $"'{origin}': a repeatable script (A__<name>.sql) has no version; remove '{versionText}' or use the V prefix.";
                return false;
            }

            script = new MigrationScript(MigrationKind.Repeatable, null, name, origin, sql);
            return true;
        }

        if (!MigrationVersion.TryParse(versionText, out var version))
        {
            error = $"'{origin}' has no valid version after '{prefix}': {Help}.";
            return false;
        }

        var kind = prefix switch
        {
            "V" => MigrationKind.Versioned,
            "R" => MigrationKind.Rollback,
            _ => MigrationKind.Seed,
        };
        script = new MigrationScript(kind, version, name, origin, sql);
        return true;
    }

    [GeneratedRegex(@"^(?<prefix>[VRSA])(?<version>[0-9._]*)__(?<name>[^/\\]+)\.(?i:sql)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
