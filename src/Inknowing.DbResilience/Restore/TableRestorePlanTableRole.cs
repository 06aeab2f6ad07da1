namespace Inknowing.DbResilience.Restore;

/// <summary>How a table in a table-level restore's plan relates to the table the restore was asked for.</summary>
public enum TableRestorePlanTableRole
{
    /// <summary>The restored table itself (a plain table).</summary>
    Table,

    /// <summary>A leaf partition of the restored partitioned table.</summary>
    Partition,

    /// <summary>An inheritance child of the restored table, included on request.</summary>
    Child,
}
