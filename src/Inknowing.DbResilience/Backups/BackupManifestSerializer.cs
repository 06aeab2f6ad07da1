using System.Text.Json;

namespace Inknowing.DbResilience.Backups;

/// <summary>Reads and writes <see cref="BackupManifest"/> as JSON (source-generated, no reflection), as stored in <c>manifest.json</c>.</summary>
public static class BackupManifestSerializer
{
    /// <summary>Writes a manifest as indented UTF-8 JSON.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The JSON bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="manifest"/> is <see langword="null"/>.</exception>
    public static byte[] Serialize(BackupManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifestJsonContext.Default.BackupManifest);
    }

    /// <summary>Reads a manifest from UTF-8 JSON.</summary>
    /// <param name="json">The JSON stream.</param>
    /// <param name="source">Where the JSON came from, for messages (a storage and key).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="BackupException">The JSON is not a manifest, misses required fields or has a newer layout.</exception>
    public static async Task<BackupManifest> DeserializeAsync(Stream json, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        BackupManifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync(json, BackupManifestJsonContext.Default.BackupManifest, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new BackupException($"The manifest {source} is not valid JSON of a backup manifest: {ex.Message}", ex);
        }

        if (manifest is null || manifest.Files is null || manifest.Files.Count == 0 || string.IsNullOrEmpty(manifest.Id))
        {
            throw new BackupException($"The manifest {source} has no id or no files.");
        }

        if (manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
        {
            throw new BackupException(
                $"The manifest {source} has layout version {manifest.FormatVersion}, newer than this library reads ({BackupManifest.CurrentFormatVersion}): upgrade Inknowing.DbResilience.");
        }

        return manifest;
    }
}
