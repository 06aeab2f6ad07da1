using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations;
using Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

namespace Inknowing.DbResilience.Tests.PostgreSql.Migrations;

public sealed class MigrationPlannerTests
{
    private static readonly MigrationScript V1 = Script(MigrationKind.Versioned, "1", "a", "CREATE TABLE a (id int);");
    private static readonly MigrationScript V2 = Script(MigrationKind.Versioned, "2", "b", "CREATE TABLE b (id int);");
    private static readonly MigrationScript V3 = Script(MigrationKind.Versioned, "3", "c", "CREATE TABLE c (id int);");
    private static readonly MigrationScript R2 = Script(MigrationKind.Rollback, "2", "b", "DROP TABLE b;");
    private static readonly MigrationScript S1 = Script(MigrationKind.Seed, "1", "a", "INSERT INTO a VALUES (1);");
    private static readonly MigrationScript View = new(MigrationKind.Repeatable, null, "view", "A__view.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;");

    [Test]
    public void Plan_SomeApplied_PlansPendingVersionsUpToTheTargetThenChangedRepeatablesThenSeedsWhenAsked()
    {
        var catalog = MigrationCatalog.Create([V1, V2, V3, R2, S1, View]);
        var tracked = Tracked(Applied(V1));

        var plan = MigrationPlanner.Plan(catalog, tracked, new MigrateRequest { TargetVersion = MigrationVersion.Parse("2"), RunSeeds = true }, new MigrationOptions());

        plan.Select(p => (p.Script.TrackingKey, p.RollbackSql)).Should().Equal(("2", "DROP TABLE b;"), ("A:view", null), ("S1", null));
        MigrationPlanner.Plan(catalog, tracked, new MigrateRequest { TargetVersion = MigrationVersion.Parse("2") }, new MigrationOptions())
            .Select(p => p.Script.TrackingKey).Should().Equal("2", "A:view");
        MigrationPlanner.Plan(catalog, Tracked(Applied(V1), Applied(V2), Applied(V3), Applied(View)), new MigrateRequest { RunSeeds = true }, new MigrationOptions())
            .Select(p => p.Script.TrackingKey).Should().Equal("S1");
    }

    [Test]
    public void Plan_AppliedScriptChanged_RefusesNamingTheFileAndPlansNothing()
    {
        var catalog = MigrationCatalog.Create([V1, V2]);
        var tracked = Tracked(Applied(V1) with { Checksum = new string('0', 64) });

        var plan = () => MigrationPlanner.Plan(catalog, tracked, new MigrateRequest(), new MigrationOptions());

        var refused = plan.Should().Throw<MigrationException>().Which;
        refused.Message.Should().StartWith("Nothing was applied").And.Contain("V1__a.sql").And.Contain("changed after it was applied");
        refused.Problems.Should().ContainSingle().Which.Kind.Should().Be(MigrationProblemKind.ChecksumDrift);
    }

    [Test]
    public void Plan_PendingOlderThanApplied_RefusesUnlessOutOfOrderIsAllowed()
    {
        var catalog = MigrationCatalog.Create([V1, V2, V3]);
        var tracked = Tracked(Applied(V1), Applied(V3));

        var refuse = () => MigrationPlanner.Plan(catalog, tracked, new MigrateRequest(), new MigrationOptions());

        refuse.Should().Throw<MigrationException>().Which.Problems.Should().ContainSingle().Which.Kind.Should().Be(MigrationProblemKind.OutOfOrder);
        MigrationPlanner.Plan(catalog, tracked, new MigrateRequest(), new MigrationOptions { AllowOutOfOrder = true })
            .Select(p => p.Script.TrackingKey).Should().Equal("2");
    }

    [Test]
    public void PlanRollback_FileOrStoredSql_NewestFirstAndRefusesWhenEitherIsMissing()
    {
        var catalog = MigrationCatalog.Create([V1, V2, V3, R2]);
        var withStored = Tracked(Applied(V1), Applied(V2), Applied(V3) with { RollbackSql = "DROP TABLE c;" });

        var scripts = MigrationPlanner.PlanRollback(catalog, withStored, MigrationVersion.Parse("1"));

        scripts.Select(s => s.Sql).Should().Equal("DROP TABLE c;", "DROP TABLE b;");
        var refuse = () => MigrationPlanner.PlanRollback(catalog, Tracked(Applied(V1), Applied(V2), Applied(V3)), MigrationVersion.Parse("0"));
        refuse.Should().Throw<MigrationException>().WithMessage("Nothing was rolled back: 2 of the 3 versions*R3__c.sql*R1__a.sql*");
    }

    [Test]
    public void BuildStatusAndValidate_AppliedScriptGone_ShowMissing()
    {
        var catalog = MigrationCatalog.Create([V1]);
        var tracked = Tracked(Applied(V1), Applied(V2));

        var status = MigrationPlanner.BuildStatus(catalog, tracked);
        var problems = MigrationPlanner.Validate(catalog, tracked, allowOutOfOrder: false);

        status.Select(s => (s.Version, s.Status)).Should().Equal(("1", MigrationState.Completed), ("2", MigrationState.Missing));
        problems.Should().ContainSingle().Which.Kind.Should().Be(MigrationProblemKind.MissingScript);
    }

    [Test]
    public void BuildStatus_AdoptedBaselinedFailedRolledBackChangedPending_EachShownAsSuch()
    {
        var v4 = Script(MigrationKind.Versioned, "4", "d", "CREATE TABLE d (id int);");
        var v5 = Script(MigrationKind.Versioned, "5", "e", "CREATE TABLE e (id int);");
        var v6 = Script(MigrationKind.Versioned, "6", "f", "CREATE TABLE f (id int);");
        var catalog = MigrationCatalog.Create([V1, V2, V3, v4, v5, v6]);
        var tracked = Tracked(
            Applied(V1) with { Origin = AdoptionPlanner.AdoptedOrigin + "public.schema_migrations" },
            Applied(V2) with { Origin = AdoptionPlanner.BaselineOrigin + "2" },
            Applied(V3) with { Status = "failed" },
            Applied(v4) with { Status = "rolled_back", Origin = AdoptionPlanner.AdoptedOrigin + "public.flyway_schema_history" },
            Applied(v5) with { Checksum = new string('0', 64), Origin = AdoptionPlanner.AdoptedOrigin + "public.schemaversions" });

        var status = MigrationPlanner.BuildStatus(catalog, tracked);

        status.Select(s => (s.Version, s.Status)).Should().Equal(
            ("1", MigrationState.Adopted), ("2", MigrationState.Baselined), ("3", MigrationState.Failed), ("4", MigrationState.RolledBack), ("5", MigrationState.Changed), ("6", MigrationState.Pending));
        MigrationPlanner.Plan(catalog, Tracked(tracked["1"], tracked["2"], tracked["3"], tracked["4"]), new MigrateRequest(), new MigrationOptions())
            .Select(p => p.Script.TrackingKey).Should().Equal("3", "4", "5", "6");
    }

    private static MigrationScript Script(MigrationKind kind, string version, string name, string sql)
        => new(kind, MigrationVersion.Parse(version), name, $"{(kind == MigrationKind.Rollback ? "R" : kind == MigrationKind.Seed ? "S" : "V")}{version}__{name}.sql", sql);

    private static TrackedMigration Applied(MigrationScript script)
        => new(script.TrackingKey, script.Name, script.Kind == MigrationKind.Repeatable ? "repeatable" : script.Kind == MigrationKind.Seed ? "seed" : "versioned",
            "completed", script.Checksum, DateTimeOffset.UnixEpoch, 1, null);

    private static Dictionary<string, TrackedMigration> Tracked(params TrackedMigration[] rows) => rows.ToDictionary(r => r.Version, StringComparer.Ordinal);
}
