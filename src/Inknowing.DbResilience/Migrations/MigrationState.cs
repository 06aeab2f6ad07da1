namespace Inknowing.DbResilience.Migrations;

/// <summary>The tracked state of a script, as <see cref="MigrationStatusEntry.Status"/> reports it.</summary>
public enum MigrationState
{
    /// <summary>Not applied yet (or a repeatable script whose file changed): the next migrate runs it.</summary>
    Pending = 0,

    /// <summary>Started and not finished: another process runs it, or one died while running it.</summary>
    Running = 1,

    /// <summary>Applied by the library.</summary>
    Completed = 2,

    /// <summary>Its last run failed; migration_history holds the error.</summary>
    Failed = 3,

    /// <summary>Applied, then rolled back.</summary>
    RolledBack = 4,

    /// <summary>Applied, imported from another tool's history (not run by the library).</summary>
    Adopted = 5,

    /// <summary>Applied, recorded by a baseline (not run by the library).</summary>
    Baselined = 6,

    /// <summary>Applied, but its file is gone.</summary>
    Missing = 7,

    /// <summary>Applied, but its file differs from what ran.</summary>
    Changed = 8,
}
