using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>
/// Converts the status and action texts of the tracking tables (<c>schema_migrations.status</c>, <c>migration_history.action</c>)
/// into the public enums. The tables keep their texts (their CHECK constraint lists them); only the public records are typed.
/// </summary>
internal static class MigrationStatusText
{
    /// <summary>Returns the state of a status text as status reports it.</summary>
    /// <exception cref="InvalidOperationException">The text is none the library writes.</exception>
    public static MigrationState ToState(string status) => status switch
    {
        "pending" => MigrationState.Pending,
        "running" => MigrationState.Running,
        "completed" => MigrationState.Completed,
        "failed" => MigrationState.Failed,
        "rolled_back" => MigrationState.RolledBack,
        "adopted" => MigrationState.Adopted,
        "baselined" => MigrationState.Baselined,
        "missing" => MigrationState.Missing,
        "changed" => MigrationState.Changed,
        _ => throw new InvalidOperationException($"Unknown migration status '{status}' in schema_migrations: the table holds a value the library never writes."),
    };

    /// <summary>Returns what an adoption records for a status text; empty is nothing recorded.</summary>
    /// <exception cref="InvalidOperationException">The text is none an adoption writes.</exception>
    public static MigrationAdoptionStatus ToAdoptionStatus(string status) => status switch
    {
        "completed" => MigrationAdoptionStatus.Completed,
        "failed" => MigrationAdoptionStatus.Failed,
        "rolled_back" => MigrationAdoptionStatus.RolledBack,
        "pending" => MigrationAdoptionStatus.Pending,
        "" => MigrationAdoptionStatus.NotRecorded,
        _ => throw new InvalidOperationException($"Unknown adopted migration status '{status}'."),
    };

    /// <summary>Returns the action of an action text (<c>apply</c> or <c>rollback</c>).</summary>
    public static MigrationAction ToAction(string action) => action == "rollback" ? MigrationAction.Rollback : MigrationAction.Apply;
}
