namespace Inknowing.DbResilience.Backups;

/// <summary>What an <see cref="IBackupTarget"/> reports after a successful dump.</summary>
public sealed record BackupTargetResult
{
    /// <summary>Gets the name of the database dumped.</summary>
    public required string Database { get; init; }

    /// <summary>Gets the server's version.</summary>
    public required string ServerVersion { get; init; }

    /// <summary>Gets the tool's name, for example <c>pg_dump</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the tool's version.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Gets the row count of every table in the dump's snapshot (empty when not counted).</summary>
    public required IReadOnlyList<BackupTableRowCount> Tables { get; init; }

    /// <summary>
    /// Gets how the rows were counted: <c>archive</c> (from the dump's own <c>COPY</c> data as it streamed; tables whose
    /// data is left out with <c>count(*)</c>), <c>count</c> (<c>count(*)</c> in the dump's snapshot), or <see langword="null"/>
    /// when not counted.
    /// </summary>
    public string? RowCountSource { get; init; }

    /// <summary>Gets how the dump itself is compressed, such as <c>zlib level 1, by dbresilience while streaming pg_dump --compress=0</c>.</summary>
    public string? DumpCompression { get; init; }
}
