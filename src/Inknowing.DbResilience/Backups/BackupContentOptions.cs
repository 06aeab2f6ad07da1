namespace Inknowing.DbResilience.Backups;

/// <summary>What a backup contains, as given to pg_dump.</summary>
public sealed record BackupContentOptions
{
    /// <summary>Gets a value indicating whether only the schema was dumped (<c>--schema-only</c>).</summary>
    public bool SchemaOnly { get; init; }

    /// <summary>Gets a value indicating whether only the data was dumped (<c>--data-only</c>).</summary>
    public bool DataOnly { get; init; }

    /// <summary>Gets the table patterns dumped (<c>--table</c>); empty means every table.</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    /// <summary>Gets the schema patterns dumped (<c>--schema</c>); empty means every schema.</summary>
    public IReadOnlyList<string> Schemas { get; init; } = [];

    /// <summary>Gets the table patterns whose rows were left out (<c>--exclude-table-data</c>).</summary>
    public IReadOnlyList<string> ExcludeTableData { get; init; } = [];

    /// <summary>Gets the number of parallel pg_dump jobs (directory format only).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Gets a value indicating whether roles and tablespaces were dumped too (<c>globals.sql</c>).</summary>
    public bool IncludeGlobals { get; init; }
}
