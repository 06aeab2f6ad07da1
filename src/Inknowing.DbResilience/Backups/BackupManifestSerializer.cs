using System.Text.Json;

namespace Inknowing.DbResilience.Backups;

/// <summary>
/// Reads and writes <see cref="BackupManifest"/> as JSON (source-generated, no reflection), as stored in <c>manifest.json</c>.
/// The JSON is sealed: its first property, <c>manifestSha256</c>, is the SHA-256 of the rest, so an edited or damaged
/// manifest is refused rather than trusted.
/// </summary>
public static class BackupManifestSerializer
{
    /// <summary>Writes a manifest as indented UTF-8 JSON, sealed with its own SHA-256.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The JSON bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="manifest"/> is <see langword="null"/>.</exception>
    public static byte[] Serialize(BackupManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return ManifestSeal.Seal(JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifestJsonContext.Default.BackupManifest));
    }

    /// <summary>Reads a manifest from UTF-8 JSON and checks its seal.</summary>
    /// <param name="json">The JSON stream.</param>
    /// <param name="source">Where the JSON came from, for messages (a storage and key).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="BackupException">
    /// The JSON is not a manifest, misses required fields, has a newer layout, or does not match its own SHA-256 (edited or damaged).
    /// </exception>
    public static async Task<BackupManifest> DeserializeAsync(Stream json, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var buffer = new MemoryStream();
        await json.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Deserialize(buffer.ToArray(), source);
    }

    /// <summary>
    /// Reads a manifest from UTF-8 JSON bytes and checks its seal. Reads the current layout and layout 2 of both kinds (a base
    /// backup manifest of layout 2, with its <c>dataKey</c>, is converted to the shared model).
    /// </summary>
    /// <param name="bytes">The manifest's bytes, as stored.</param>
    /// <param name="source">Where the JSON came from, for messages (a storage and key).</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="BackupException">The bytes are not an intact manifest; the message says what is wrong.</exception>
    public static BackupManifest Deserialize(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(source);
        var sealProblem = ManifestSeal.Check(bytes, out var isSealed);
        if (sealProblem is not null)
        {
            throw new BackupException($"The manifest {source} is damaged: {sealProblem}.");
        }

        BackupManifest? manifest;
        try
        {
            manifest = IsLegacyBaseBackup(bytes)
                ? JsonSerializer.Deserialize(bytes, BackupManifestJsonContext.Default.LegacyBaseBackupManifest)?.ToManifest(source)
                : JsonSerializer.Deserialize(bytes, BackupManifestJsonContext.Default.BackupManifest);
        }
        catch (JsonException ex)
        {
            throw new BackupException($"The manifest {source} is damaged: it is not valid JSON of a backup manifest: {ex.Message}", ex);
        }

        if (manifest is null || manifest.Files is null || manifest.Files.Count == 0 || string.IsNullOrEmpty(manifest.Id))
        {
            throw new BackupException($"The manifest {source} is damaged: it has no id or no files.");
        }

        if (manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
        {
            throw new BackupException(
                $"The manifest {source} has layout version {manifest.FormatVersion}, newer than this library reads ({BackupManifest.CurrentFormatVersion}): upgrade Inknowing.DbResilience.");
        }

        if (!isSealed && manifest.FormatVersion >= ManifestSealedSinceVersion)
        {
            throw new BackupException(
                $"The manifest {source} is damaged: layout version {manifest.FormatVersion} always starts with its own SHA-256 (manifestSha256), and this one does not.");
        }

        return manifest;
    }

    /// <summary>The first manifest layout whose files are always sealed; older manifests are read on the storage's checksum alone.</summary>
    internal const int ManifestSealedSinceVersion = 2;

    /// <summary>Tells a base backup manifest of layout 2 (a <c>dataKey</c>, no <c>files</c>) from the shared layout.</summary>
    private static bool IsLegacyBaseBackup(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("dataKey", out _)
                && !document.RootElement.TryGetProperty("files", out _);
        }
        catch (JsonException)
        {
            return false; // the deserializer says what is wrong
        }
    }
}
