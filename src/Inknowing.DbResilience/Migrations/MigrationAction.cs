namespace Inknowing.DbResilience.Migrations;

/// <summary>What a script's run did (<see cref="MigrationExecution.Action"/>).</summary>
public enum MigrationAction
{
    /// <summary>Applied a migration, a repeatable script or a seed.</summary>
    Apply = 0,

    /// <summary>Rolled a migration back with its rollback script.</summary>
    Rollback = 1,
}
