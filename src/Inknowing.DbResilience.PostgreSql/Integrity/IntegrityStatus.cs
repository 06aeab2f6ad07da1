namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>The outcome of one integrity check, from best to worst.</summary>
public enum IntegrityStatus
{
    /// <summary>Nothing wrong was found.</summary>
    Ok = 0,

    /// <summary>Something needs attention, or the check could not run fully (for example amcheck is not installed).</summary>
    Warning = 1,

    /// <summary>Data is damaged or inconsistent: orphaned rows, checksum failures, corrupt indexes.</summary>
    Error = 2,
}
