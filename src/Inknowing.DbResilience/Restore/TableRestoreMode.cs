namespace Inknowing.DbResilience.Restore;

/// <summary>How the rows of a table restored from a backup are brought into the live database.</summary>
public enum TableRestoreMode
{
    /// <summary>Delete every live row and load the backup's rows, in one transaction.</summary>
    Replace = 0,

    /// <summary>Insert the backup's rows, skipping rows whose primary or unique key already exists (recovers deleted rows).</summary>
    Append = 1,

    /// <summary>Create a new table beside the original with the backup's rows, for comparison or manual repair.</summary>
    NewTable = 2,
}
