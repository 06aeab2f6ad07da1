using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>
/// The pure part of adoption and baselines: from another tool's rows and the migration files, what the library records
/// for each version and what a person should know. No I/O, so every rule is unit-tested.
/// </summary>
internal static partial class AdoptionPlanner
{
    /// <summary>The start of <c>script_origin</c> for a version imported from another tool (status shows it as <c>adopted</c>).</summary>
    public const string AdoptedOrigin = "adopted from ";

    /// <summary>The start of <c>script_origin</c> for a version recorded by a baseline (status shows it as <c>baselined</c>).</summary>
    public const string BaselineOrigin = "baseline ";

    /// <summary>The result of a mapping: the lines to show, the rows to write, and the notes.</summary>
    internal sealed record Plan(List<MigrationAdoptionEntry> Entries, List<AdoptedVersion> Records, List<string> Notes)
    {
        /// <summary>Gets the lines that stop an adoption (a version whose file has another name).</summary>
        public IEnumerable<MigrationAdoptionEntry> Blocking => Entries.Where(e => e.Match == MigrationAdoptionMatch.NameDiffers);
    }

    /// <summary>Maps another tool's rows to the migration files by version and name.</summary>
    /// <param name="format">Whose rows they are.</param>
    /// <param name="sourceTable">The table they come from, for origins and notes.</param>
    /// <param name="rows">The rows, one per version (and per repeatable script).</param>
    /// <param name="catalog">The migration files.</param>
    /// <param name="toolBaseline">The version of the tool's own baseline (Flyway's BASELINE row): files up to it count as applied.</param>
    public static Plan Map(MigrationHistoryFormat format, string sourceTable, IReadOnlyList<ForeignHistoryRow> rows, MigrationCatalog catalog, MigrationVersion? toolBaseline)
    {
        var tool = ToolName(format);
        var origin = AdoptedOrigin + sourceTable;
        var entries = new List<(int Group, MigrationVersion Order, MigrationAdoptionEntry Entry)>();
        var records = new List<AdoptedVersion>();
        var seen = new HashSet<MigrationVersion>();
        foreach (var row in rows)
        {
            if (row.RepeatableName is { } repeatable)
            {
                var script = catalog.Repeatables.FirstOrDefault(s => SameName(s.Name, repeatable));
                var name = script?.Name ?? repeatable;

                // Never equal to a SHA-256: the next migrate applies the script again once, as the tool's checksum cannot tell
                // whether the file changed since it last ran (a repeatable script is safe to run again by design).
                var checksum = $"{MigrationTableLayout.CliName(format)}:{row.Checksum ?? "none"}";
                records.Add(new AdoptedVersion("A:" + name, name, "repeatable", row.Status, row.AppliedAt, row.ExecutionTimeMs, checksum, null, origin, row.SourceKey, script?.Origin));
                entries.Add((1, default, FromRow(
                    row,
                    "A:" + name,
                    name,
                    script is null ? MigrationAdoptionMatch.NoFile : MigrationAdoptionMatch.ChecksumDiffers,
                    row.Status,
                    script is null ? "repeatable script with no A__ file: kept in the history, never run" : $"repeatable: applied again once by the next migrate, since {tool}'s checksum cannot tell whether it changed",
                    script?.Origin)));
                continue;
            }

            var (versionText, rowName) = format == MigrationHistoryFormat.DbUp ? ResolveScriptName(row.SourceKey, catalog) : (row.Version, row.Name);
            if (!MigrationVersion.TryParse(versionText, out var version) || !seen.Add(version))
            {
                var why = versionText is null || !MigrationVersion.TryParse(versionText, out _)
                    ? $"no version can be read from '{row.SourceKey}': rename the file to V<version>__<name>.sql (the version it ran as) and run adopt again, or baseline"
                    : $"another row of {sourceTable} has version {version}: only the first is adopted";
                entries.Add((2, default, FromRow(row, string.Empty, rowName, MigrationAdoptionMatch.Unmapped, string.Empty, why, null)));
                continue;
            }

            var file = catalog.Migrations.FirstOrDefault(s => s.Version == version);
            var key = version.ToString();
            if (file is null)
            {
                records.Add(new AdoptedVersion(key, rowName, "versioned", row.Status, row.AppliedAt, row.ExecutionTimeMs, row.Checksum ?? string.Empty, row.RollbackSql, origin, row.SourceKey, null));
                entries.Add((0, version, FromRow(
                    row,
                    key,
                    rowName,
                    MigrationAdoptionMatch.NoFile,
                    row.Status,
                    $"no V{key}__*.sql file: adopted; status shows it as missing until the file is added",
                    null)));
                continue;
            }

            // Only the SQL framework's checksums are SHA-256 of the script, comparable with the files' (allowing for
            // whitespace at either end, which the framework's callers often trimmed).
            var comparable = format == MigrationHistoryFormat.SqlFramework && row.Checksum is { Length: 64 };
            var confirms = comparable && (row.Checksum == file.Checksum || row.Checksum == Sha256(file.Sql.Trim()));
            if (!confirms && !SameName(file.Name, rowName))
            {
                entries.Add((0, version, FromRow(
                    row,
                    key,
                    rowName,
                    MigrationAdoptionMatch.NameDiffers,
                    string.Empty,
                    $"{tool} ran '{rowName}' as version {key}, but the file of that version is '{file.Origin}': rename the file (or fix its version) so that both say the same, then adopt again",
                    file.Origin)));
                continue;
            }

            var match = confirms ? MigrationAdoptionMatch.Matched : comparable ? MigrationAdoptionMatch.ChecksumDiffers : MigrationAdoptionMatch.Rebased;
            var recorded = match == MigrationAdoptionMatch.ChecksumDiffers ? row.Checksum! : file.Checksum;
            records.Add(new AdoptedVersion(key, file.Name, "versioned", row.Status, row.AppliedAt, row.ExecutionTimeMs, recorded, row.RollbackSql, origin, row.SourceKey, file.Origin));
            entries.Add((0, version, FromRow(
                row,
                key,
                file.Name,
                match,
                row.Status,
                match == MigrationAdoptionMatch.ChecksumDiffers ? $"the file differs from what {tool} ran (checksum {MigrationPlanner.Short(row.Checksum!)} applied, {MigrationPlanner.Short(file.Checksum)} now): validate and migrate report the drift" : null,
                file.Origin)));
        }

        foreach (var file in catalog.Migrations.Where(f => !seen.Contains(f.Version!.Value)))
        {
            var version = file.Version!.Value;
            if (toolBaseline is { } baseline && version <= baseline)
            {
                records.Add(new AdoptedVersion(version.ToString(), file.Name, "versioned", "completed", null, null, file.Checksum, null, origin, null, file.Origin));
                entries.Add((0, version, new MigrationAdoptionEntry
                {
                    Version = version.ToString(),
                    Name = file.Name,
                    File = file.Origin,
                    Match = MigrationAdoptionMatch.Rebased,
                    Status = MigrationAdoptionStatus.Completed,
                    Note = $"at or below {tool}'s baseline version {baseline}: recorded as applied",
                }));
                continue;
            }

            entries.Add((0, version, new MigrationAdoptionEntry
            {
                Version = version.ToString(),
                Name = file.Name,
                File = file.Origin,
                Match = MigrationAdoptionMatch.NotInHistory,
                Status = MigrationAdoptionStatus.Pending,
                Note = "no history row: the next migrate applies it",
            }));
        }

        var ordered = entries.OrderBy(e => e.Group).ThenBy(e => e.Order).ThenBy(e => e.Entry.Version, StringComparer.Ordinal).Select(e => e.Entry).ToList();
        return new Plan(ordered, records, Notes(format, sourceTable, ordered));
    }

    /// <summary>Plans a baseline: every file up to <paramref name="version"/> recorded as applied, the rest left pending.</summary>
    /// <exception cref="MigrationException">No migration file has a version up to <paramref name="version"/>.</exception>
    public static Plan Baseline(MigrationCatalog catalog, MigrationVersion version)
    {
        var entries = new List<MigrationAdoptionEntry>();
        var records = new List<AdoptedVersion>();
        var origin = BaselineOrigin + version;
        foreach (var file in catalog.Migrations)
        {
            var key = file.Version!.Value.ToString();
            if (file.Version <= version)
            {
                records.Add(new AdoptedVersion(key, file.Name, "versioned", "completed", null, 0, file.Checksum, null, origin, null, file.Origin));
                entries.Add(new MigrationAdoptionEntry { Version = key, Name = file.Name, File = file.Origin, Match = MigrationAdoptionMatch.Baselined, Status = MigrationAdoptionStatus.Completed, Note = "recorded as applied without running" });
            }
            else
            {
                entries.Add(new MigrationAdoptionEntry { Version = key, Name = file.Name, File = file.Origin, Match = MigrationAdoptionMatch.NotInHistory, Status = MigrationAdoptionStatus.Pending, Note = "the next migrate applies it" });
            }
        }

        if (records.Count == 0)
        {
            throw new MigrationException(
                $"Nothing was recorded: no migration file has a version up to {version} (the first is {(catalog.Migrations.Count > 0 ? catalog.Migrations[0].Version.ToString() : "none: the directory has no V files")}). "
                + "A baseline records the files that the database already reflects: check --version and --migrations.");
        }

        var notes = new List<string>
        {
            $"{records.Count} version(s) up to {version} recorded as applied without running (status: baselined); {entries.Count - records.Count} later version(s) stay pending.",
        };
        return new Plan(entries, records, notes);
    }

    /// <summary>Reads the version and name of a DbUp script name: the file of that name if there is one, else its leading number.</summary>
    /// <remarks>
    /// DbUp names a script after its file (<c>0001_create_users.sql</c>) or its embedded resource
    /// (<c>MyApp.Scripts.Script0001 - Create users.sql</c>).
    /// </remarks>
    internal static (string? Version, string Name) ResolveScriptName(string scriptName, MigrationCatalog catalog)
    {
        var tail = scriptName[(scriptName.LastIndexOfAny(['/', '\\']) + 1)..];
        var file = catalog.Migrations.FirstOrDefault(s =>
        {
            var fileName = Path.GetFileName(s.Origin);
            return tail == fileName || tail.EndsWith("." + fileName, StringComparison.Ordinal);
        });
        if (file is not null)
        {
            return (file.Version!.Value.ToString(), file.Name);
        }

        // An embedded resource's name starts with its namespace: MyApp.Scripts.Script0001 - Create users.sql.
        var match = NumberedScript().Match(tail);
        if (!match.Success)
        {
            var bare = tail.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) ? tail[..^4] : tail;
            match = NumberedScript().Match(bare[(bare.LastIndexOf('.') + 1)..]);
        }

        return match.Success ? (match.Groups["version"].Value, match.Groups["name"].Value.Trim()) : (null, tail);
    }

    /// <summary>Compares names ignoring case and everything but letters and digits: Flyway's "create users" is V1__create_users.sql.</summary>
    internal static bool SameName(string a, string b) => Letters(a) == Letters(b);

    private static string Letters(string text) => new string(text.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();

    private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    internal static string ToolName(MigrationHistoryFormat format) => format switch
    {
        MigrationHistoryFormat.SqlFramework => "the SQL migration framework",
        MigrationHistoryFormat.EntityFrameworkCore => "EF Core",
        _ => format.ToString(),
    };

    private static List<string> Notes(MigrationHistoryFormat format, string sourceTable, List<MigrationAdoptionEntry> entries)
    {
        var notes = new List<string>();
        int Count(MigrationAdoptionMatch match) => entries.Count(e => e.Match == match);
        var tool = ToolName(format);
        if (Count(MigrationAdoptionMatch.Rebased) > 0)
        {
            var why = format == MigrationHistoryFormat.Flyway ? "Flyway's checksums are CRC32, which cannot be compared with the library's SHA-256"
                : format == MigrationHistoryFormat.SqlFramework ? "the history recorded no checksum for them"
                : $"{tool} keeps no checksum";
            notes.Add($"Checksums re-based: {why}, so the files' SHA-256 of {Count(MigrationAdoptionMatch.Rebased)} version(s) are recorded as applied. "
                + "From now on a change to one of these files is reported as drift.");
        }

        if (Count(MigrationAdoptionMatch.Matched) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.Matched)} version(s) match their files' checksums.");
        }

        if (Count(MigrationAdoptionMatch.ChecksumDiffers) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.ChecksumDiffers)} file(s) differ from what {tool} recorded as run: the recorded checksum is kept, "
                + "so validate reports the drift of a versioned one and migrate refuses until its applied text is restored; a repeatable one is applied again.");
        }

        if (Count(MigrationAdoptionMatch.NameDiffers) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.NameDiffers)} version(s) have a file of another name that no checksum confirms: nothing is adopted until the names agree.");
        }

        if (Count(MigrationAdoptionMatch.NoFile) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.NoFile)} history row(s) of {sourceTable} have no file: adopted, shown as missing by status.");
        }

        if (Count(MigrationAdoptionMatch.Unmapped) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.Unmapped)} history row(s) of {sourceTable} name no usable version: not adopted.");
        }

        if (Count(MigrationAdoptionMatch.NotInHistory) > 0)
        {
            notes.Add($"{Count(MigrationAdoptionMatch.NotInHistory)} file(s) have no history row: they stay pending and the next migrate applies them.");
        }

        return notes;
    }

    [GeneratedRegex(@"^[A-Za-z]*(?<version>[0-9]+(?:\.[0-9]+)*)(?:__|[ _-]+)(?<name>.*?)(?:\.(?i:sql))?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberedScript();

    /// <summary>An entry of the mapping for one history row: its version, name, match and note, with the row's own facts.</summary>
    private static MigrationAdoptionEntry FromRow(
        ForeignHistoryRow row, string version, string name, MigrationAdoptionMatch match, string status, string? note, string? file) => new()
    {
        Version = version,
        Name = name,
        SourceKey = row.SourceKey,
        File = file,
        Match = match,
        Status = MigrationStatusText.ToAdoptionStatus(status),
        AppliedAt = row.AppliedAt,
        ExecutionTimeMs = row.ExecutionTimeMs,
        Note = note,
    };
}
