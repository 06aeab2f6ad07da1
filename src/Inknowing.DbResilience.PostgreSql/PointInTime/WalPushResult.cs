namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What <see cref="WalArchive.PushAsync"/> did with one WAL file.</summary>
public sealed record WalPushResult
{
    /// <summary>Gets the file name, such as <c>000000010000000000000003</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the storage key, such as <c>wal/00000001/000000010000000000000003</c>.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Gets the SHA-256 of the file, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets <see langword="true"/> when every storage already held the same bytes and nothing was written.</summary>
    public required bool AlreadyStored { get; init; }

    /// <summary>Gets the number of storages that hold the file now.</summary>
    public required int Storages { get; init; }
}
