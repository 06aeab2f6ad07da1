using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Reads a manifest object whole and checks it twice before anyone trusts it: against the checksum the storage keeps beside
/// it (which must exist and match), and against its own seal (<see cref="ManifestSeal"/>). Logical and base backups read
/// their manifests through here, so both are protected the same way.
/// </summary>
public static class StoredManifest
{
    /// <summary>The largest manifest read (a manifest lists files and tables; anything bigger is not one).</summary>
    private const long MaxSize = 64L * 1024 * 1024;

    /// <summary>Seals plain manifest JSON: adds its own SHA-256 as the first property.</summary>
    /// <param name="json">The manifest's UTF-8 JSON object.</param>
    /// <returns>The sealed manifest bytes to store.</returns>
    public static byte[] Seal(byte[] json) => ManifestSeal.Seal(json);

    /// <summary>Reads and checks one stored manifest.</summary>
    /// <param name="storage">The storage that holds the manifest.</param>
    /// <param name="key">The manifest's key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, whether they carry a seal, and what is wrong (naming the storage and the key), or no problem.</returns>
    /// <exception cref="StorageObjectNotFoundException">Nothing is stored under the key (any more).</exception>
    /// <exception cref="StorageException">The storage failed.</exception>
    public static async Task<StoredManifestContent> ReadAsync(IStorageProvider storage, string key, CancellationToken cancellationToken)
    {
        var info = await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageObjectNotFoundException(storage.Name, key);
        if (info.Size > MaxSize)
        {
            return new StoredManifestContent([], false, $"'{key}' in {storage.Name} is {info.Size} bytes, far larger than any manifest: it was replaced or damaged");
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

        return new StoredManifestContent(bytes, isSealed, problem);
    }
}
