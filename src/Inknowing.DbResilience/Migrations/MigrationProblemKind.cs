namespace Inknowing.DbResilience.Migrations;

/// <summary>The kinds of problem that <c>validate</c> reports.</summary>
public enum MigrationProblemKind
{
    /// <summary>An applied script was changed after it ran (its checksum differs).</summary>
    ChecksumDrift,

    /// <summary>An applied version has no script any more.</summary>
    MissingScript,

    /// <summary>A pending version is older than the newest applied one and out-of-order migrations are not allowed.</summary>
    OutOfOrder,

    /// <summary>A migration failed or was left running by a process that stopped.</summary>
    Failed,

    /// <summary>An expected table or index does not exist.</summary>
    MissingObject,
}
