using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Reads a manifest object whole and checks it twice before anyone trusts it: against the checksum the storage keeps beside
/// it (which must exist and match), and against its own seal (<see cref="ManifestSeal"/>). Logical and base backups read
/// their manifests through here, so both are protected the same way.
/// </summary>
internal static class StoredManifest
{
    /// <summary>The largest manifest read (a manifest lists files and tables; anything bigger is not one).</summary>
    private const long MaxSize = 64L * 1024 * 1024;

    /// <summary>Writes plain manifest JSON sealed.</summary>
    public static byte[] Seal(byte[] json) => ManifestSeal.Seal(json);

    /// <summary>Reads and checks one stored manifest.</summary>
    /// <returns>The bytes; whether they carry a seal; what is wrong (naming the storage and the key), or <see langword="null"/>.</returns>
    /// <exception cref="StorageObjectNotFoundException">Nothing is stored under the key (any more).</exception>
    /// <exception cref="StorageException">The storage failed.</exception>
    public static async Task<(byte[] Bytes, bool IsSealed, string? Problem)> ReadAsync(IStorageProvider storage, string key, CancellationToken cancellationToken)
    {
        var info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageObjectNotFoundException(storage.Name, key);
        if (info.Size > MaxSize)
        {
            return ([], false, $"'{key}' in {storage.Name} is {info.Size} bytes, far larger than any manifest: it was replaced or damaged");
        }

        byte[] bytes;
        var stream = await storage.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }

        var actual = Sha256Hex.Format(SHA256.HashData(bytes));
        string? problem = null;
        if (info.Sha256 is null)
        {
            problem = StoredChecksum.MissingRecord(storage, key);
        }
        else if (!string.Equals(info.Sha256, actual, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"{storage.Name} records SHA-256 {info.Sha256} for '{key}' but its {bytes.Length} bytes hash to {actual}";
        }

        var sealProblem = ManifestSeal.Check(bytes, out var isSealed);
        if (sealProblem is not null)
        {
            problem = problem is null ? sealProblem : problem + "; " + sealProblem;
        }

        return (bytes, isSealed, problem);
    }
}
