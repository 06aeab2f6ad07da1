namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>What <see cref="WalArchive.PushAsync"/> did with one WAL file.</summary>
/// <param name="Name">The file name, such as <c>000000010000000000000003</c>.</param>
/// <param name="Key">The storage key, such as <c>wal/00000001/000000010000000000000003</c>.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Sha256">The SHA-256 of the file, lowercase hex.</param>
/// <param name="AlreadyStored"><see langword="true"/> when every storage already held the same bytes and nothing was written.</param>
/// <param name="Storages">The number of storages that hold the file now.</param>
public sealed record WalPushResult(string Name, string Key, long Size, string Sha256, bool AlreadyStored, int Storages);
