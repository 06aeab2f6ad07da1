using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>
/// A verified, decoded local copy of a backup (a file, or an extracted directory for the directory format), deleted on disposal.
/// Parallel pg_restore needs one, because it refuses standard input.
/// </summary>
internal sealed class LocalBackupCopy : IAsyncDisposable
{
    private readonly ScratchDirectory _directory;

    private LocalBackupCopy(ScratchDirectory directory, string path, long bytesRead)
    {
        _directory = directory;
        Path = path;
        BytesRead = bytesRead;
    }

    /// <summary>Gets the file or directory to hand to pg_restore.</summary>
    public string Path { get; }

    /// <summary>Gets the number of stored bytes read.</summary>
    public long BytesRead { get; }

    /// <summary>Copies the stored bytes to a 0600 file while hashing them, refuses a mismatch, then decodes (and extracts a directory tar).</summary>
    /// <exception cref="RestoreException">The SHA-256 does not match the manifest.</exception>
    public static async Task<LocalBackupCopy> CreateAsync(RestoreSource source, string? tempDirectory, CancellationToken cancellationToken)
    {
        var scratch = ScratchDirectory.Reserve("restore", tempDirectory);
        var directory = scratch.Path;

        try
        {
            var stored = System.IO.Path.Combine(directory, "stored");
            string sha256;
            long bytesRead;
            await using (var hashing = RestoreChecks.Hashing(await source.OpenAsync(cancellationToken).ConfigureAwait(false)))
            {
                await using (var file = PrivateFiles.CreateFile(stored, FileMode.CreateNew, FileOptions.Asynchronous, 1 << 16))
                {
                    await hashing.CopyToAsync(file, 1 << 16, cancellationToken).ConfigureAwait(false);
                }

                sha256 = await RestoreChecks.FinishAsync(hashing, cancellationToken).ConfigureAwait(false);
                bytesRead = hashing.BytesRead;
            }

            RestoreChecks.EnsureChecksum(source, sha256, bytesRead);
            var decoded = stored;
            if (source.Decode is { } decode)
            {
                decoded = System.IO.Path.Combine(directory, "decoded");
                await using (var input = decode(File.OpenRead(stored)))
                await using (var output = PrivateFiles.CreateFile(decoded, FileMode.CreateNew, FileOptions.Asynchronous, 1 << 16))
                {
                    await input.CopyToAsync(output, 1 << 16, cancellationToken).ConfigureAwait(false);
                }

                File.Delete(stored);
            }

            if (source.Format == RestoreSourceFormat.DirectoryTar)
            {
                var extracted = System.IO.Path.Combine(directory, "dump");
                PrivateFiles.CreateDirectory(extracted);
                await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(decoded, extracted, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
                File.Delete(decoded);
                return new LocalBackupCopy(scratch, extracted, bytesRead);
            }

            return new LocalBackupCopy(scratch, decoded, bytesRead);
        }
        catch (DbResilienceException ex) when (ex is not RestoreException)
        {
            scratch.Dispose();
            throw RestoreChecks.Unreadable(source, ex);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        // Best effort: what cannot be removed now keeps its owner record, and the next run removes it.
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
