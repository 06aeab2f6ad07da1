using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// The pure part of the migration runner: from the scripts (<see cref="MigrationCatalog"/>) and the tracking rows, what to
/// apply, what to roll back, what status to show and what problems to report. No I/O, so every rule is unit-tested.
/// </summary>
internal static class MigrationPlanner
{
    /// <summary>Finds every problem <c>validate</c> reports from the scripts and the tracking rows (the database objects are checked apart).</summary>
    internal static List<MigrationProblem> Validate(MigrationCatalog catalog, Dictionary<string, TrackedMigration> tracked, bool allowOutOfOrder)
    {
        var problems = FindProblems(catalog, tracked, checkDrift: true, allowOutOfOrder, reportFailed: true);
        foreach (var missing in tracked.Values.Where(t => t.Status == "completed" && !Exists(catalog, t)))
        {
            problems.Add(new MigrationProblem
            {
                Kind = MigrationProblemKind.MissingScript,
                Version = missing.Version,
                Message = $"Version {missing.Version} ({missing.Name}) was applied but its script is gone: restore the file, or roll the version back before deleting it.",
            });
        }

        return problems;
    }

    /// <summary>Tells whether a tracked row has its script in the catalog.</summary>
    internal static bool Exists(MigrationCatalog catalog, TrackedMigration tracked)
        => catalog.Migrations.Concat(catalog.Seeds).Concat(catalog.Repeatables).Any(s => s.TrackingKey == tracked.Version);

    /// <summary>Finds drift, failed or running scripts, and pending versions older than the newest applied one.</summary>
    internal static List<MigrationProblem> FindProblems(
        MigrationCatalog catalog, Dictionary<string, TrackedMigration> tracked, bool checkDrift, bool allowOutOfOrder, bool reportFailed)
    {
        var problems = new List<MigrationProblem>();
        foreach (var script in catalog.Migrations.Concat(catalog.Seeds))
        {
            if (!tracked.TryGetValue(script.TrackingKey, out var row))
            {
                continue;
            }

            if (checkDrift && row.Status == "completed" && row.Checksum != script.Checksum)
            {
                problems.Add(new MigrationProblem
                {
                    Kind = MigrationProblemKind.ChecksumDrift,
                    Version = script.TrackingKey,
                    Message = $"'{script.Origin}' changed after it was applied (checksum {Short(row.Checksum)} applied, {Short(script.Checksum)} now): "
                    + "restore the applied text and put the change in a new migration.",
                });
            }

            if (reportFailed && row.Status is "failed" or "running")
            {
                problems.Add(new MigrationProblem
                {
                    Kind = MigrationProblemKind.Failed,
                    Version = script.TrackingKey,
                    Message = $"'{script.Origin}' is {row.Status}: see migration_history for the error, fix the script and run migrate again.",
                });
            }
        }

        if (!allowOutOfOrder)
        {
            var newest = catalog.Migrations.Where(s => IsCompleted(tracked, s)).Select(s => s.Version).DefaultIfEmpty().Max();
            var newestTracked = tracked.Values.Where(t => t.Kind == "versioned" && t.Status == "completed")
                .Select(t => MigrationVersion.TryParse(t.Version, out var v) ? v : (MigrationVersion?)null)
                .Where(v => v is not null).DefaultIfEmpty().Max();
            var limit = Max(newest, newestTracked);
            if (limit is { } max)
            {
                foreach (var script in catalog.Migrations.Where(s => !IsCompleted(tracked, s) && s.Version < max))
                {
                    problems.Add(new MigrationProblem
                    {
                        Kind = MigrationProblemKind.OutOfOrder,
                        Version = script.TrackingKey,
                        Message = $"'{script.Origin}' is pending but older than the applied version {max}: give it a newer version, "
                        + "or allow out-of-order migrations (MigrationOptions.AllowOutOfOrder).",
                    });
                }
            }
        }

        return problems;
    }

    internal static MigrationVersion? Max(MigrationVersion? a, MigrationVersion? b)
        => a is null ? b : b is null ? a : (a.Value > b.Value ? a : b);

    internal static string Short(string checksum) => checksum.Length > 12 ? checksum[..12] : checksum;

    internal static bool IsCompleted(Dictionary<string, TrackedMigration> tracked, MigrationScript script)
        => tracked.TryGetValue(script.TrackingKey, out var row) && row.Status == "completed";

    /// <summary>
    /// Plans a migrate: the pending migrations up to the target with their rollbacks, changed or new repeatables, and the
    /// seeds when asked, in that order.
    /// </summary>
    /// <exception cref="MigrationException">Drift or out-of-order versions were found; nothing is planned.</exception>
    internal static List<(MigrationScript Script, string? RollbackSql)> Plan(
        MigrationCatalog catalog, Dictionary<string, TrackedMigration> tracked, MigrateRequest request, MigrationOptions options)
    {
        var problems = FindProblems(catalog, tracked, options.ValidateOnMigrate, options.AllowOutOfOrder, reportFailed: false);
        if (problems.Count > 0)
        {
            throw new MigrationException(
                "Nothing was applied: " + string.Join(" ", problems.Select(p => p.Message)))
            {
                Problems = problems,
                Version = problems[0].Version,
            };
        }

        var target = request.TargetVersion;
        var plan = new List<(MigrationScript, string?)>();
        foreach (var script in catalog.Migrations)
        {
            if ((target is null || script.Version <= target) && !IsCompleted(tracked, script))
            {
                plan.Add((script, catalog.Rollbacks.TryGetValue(script.Version!.Value, out var rollback) ? rollback.Sql : null));
            }
        }

        foreach (var script in catalog.Repeatables)
        {
            if (!tracked.TryGetValue(script.TrackingKey, out var row) || row.Status != "completed" || row.Checksum != script.Checksum)
            {
                plan.Add((script, null));
            }
        }

        if (request.RunSeeds ?? options.RunSeeds)
        {
            foreach (var seed in catalog.Seeds)
            {
                if ((target is null || seed.Version <= target) && !IsCompleted(tracked, seed))
                {
                    plan.Add((seed, null));
                }
            }
        }

        return plan;
    }

    /// <summary>Plans a rollback to a version: the rollbacks of every newer applied version, newest first.</summary>
    /// <exception cref="MigrationException">A version to roll back has neither a rollback script nor stored rollback_sql; nothing is planned.</exception>
    internal static List<MigrationScript> PlanRollback(MigrationCatalog catalog, Dictionary<string, TrackedMigration> tracked, MigrationVersion target)
    {
        var applied = tracked.Values
            .Where(t => t.Kind == "versioned" && t.Status == "completed")
            .Select(t => (Row: t, Version: MigrationVersion.Parse(t.Version)))
            .Where(t => t.Version > target)
            .OrderByDescending(t => t.Version)
            .ToList();
        var scripts = new List<MigrationScript>();
        var missing = new List<MigrationProblem>();
        foreach (var (row, version) in applied)
        {
            if (catalog.Rollbacks.TryGetValue(version, out var script))
            {
                scripts.Add(script);
            }
            else if (row.RollbackSql is { } stored)
            {
                scripts.Add(new MigrationScript(MigrationKind.Rollback, version, row.Name, $"stored rollback_sql of version {version}", stored));
            }
            else
            {
                missing.Add(new MigrationProblem
                {
                    Kind = MigrationProblemKind.MissingScript,
                    Version = row.Version,
                    Message = $"Version {version} ({row.Name}) has no rollback: add R{version}__{row.Name}.sql.",
                });
            }
        }

        if (missing.Count > 0)
        {
            throw new MigrationException(
                $"Nothing was rolled back: {missing.Count} of the {applied.Count} versions newer than {target} have no rollback script or stored rollback_sql. "
                + string.Join(" ", missing.Select(m => m.Message)))
            {
                Problems = missing,
                Version = missing[0].Version,
            };
        }

        return scripts;
    }

    /// <summary>Returns a row's status as status shows it: a completed version that was adopted or baselined says so.</summary>
    internal static string AppliedStatus(TrackedMigration row) => row switch
    {
        { Status: "completed", Origin: { } o } when o.StartsWith(AdoptionPlanner.AdoptedOrigin, StringComparison.Ordinal) => "adopted",
        { Status: "completed", Origin: { } o } when o.StartsWith(AdoptionPlanner.BaselineOrigin, StringComparison.Ordinal) => "baselined",
        _ => row.Status,
    };

    /// <summary>Lists every script with its tracked state, and every tracked row whose script is gone.</summary>
    internal static List<MigrationStatusEntry> BuildStatus(MigrationCatalog catalog, Dictionary<string, TrackedMigration> tracked)
    {
        var entries = new List<(MigrationVersion? Order, MigrationStatusEntry Entry)>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var script in catalog.Migrations.Concat(catalog.Repeatables).Concat(catalog.Seeds))
        {
            known.Add(script.TrackingKey);
            tracked.TryGetValue(script.TrackingKey, out var row);
            var status = row is null ? "pending"
                : row.Status == "completed" && row.Checksum != script.Checksum ? (script.Kind == MigrationKind.Repeatable ? "pending" : "changed")
                : AppliedStatus(row);
            entries.Add((script.Kind == MigrationKind.Versioned ? script.Version : null,
                new MigrationStatusEntry { Version = script.TrackingKey, Name = script.Name, Status = MigrationStatusText.ToState(status), Checksum = script.Checksum, AppliedAt = row?.AppliedAt, ExecutionTimeMs = row?.ExecutionTimeMs, Kind = script.Kind }));
        }

        foreach (var row in tracked.Values.Where(r => !known.Contains(r.Version)))
        {
            var kind = row.Kind switch { "seed" => MigrationKind.Seed, "repeatable" => MigrationKind.Repeatable, _ => MigrationKind.Versioned };
            MigrationVersion? order = kind == MigrationKind.Versioned && MigrationVersion.TryParse(row.Version, out var v) ? v : null;
            var status = row.Status == "completed" ? "missing" : row.Status;
            entries.Add((order, new MigrationStatusEntry { Version = row.Version, Name = row.Name, Status = MigrationStatusText.ToState(status), Checksum = row.Checksum, AppliedAt = row.AppliedAt, ExecutionTimeMs = row.ExecutionTimeMs, Kind = kind }));
        }

        return entries
            .OrderBy(e => e.Entry.Kind switch { MigrationKind.Versioned => 0, MigrationKind.Repeatable => 1, _ => 2 })
            .ThenBy(e => e.Order ?? default)
            .ThenBy(e => e.Entry.Version, StringComparer.Ordinal)
            .Select(e => e.Entry)
            .ToList();
    }
}
