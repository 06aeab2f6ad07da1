using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

// Reading a base backup: its stored tar, checked against its manifest and its storage's record as it is unpacked.
public sealed partial class PointInTimeRestorer
{
    /// <summary>Reads and checks a base backup's data in every storage its manifest names, as a verification does.</summary>
    private async Task<List<string>> VerifyBaseBackupAsync(BackupManifest backup, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var holders = _archive.Storages.Providers.Where(p => backup.Locations.Count == 0 || backup.Locations.Contains(p.Name)).ToList();
        foreach (var storage in holders.Count > 0 ? holders : [_archive.Storages.Providers[0]])
        {
            if (await StoredChecksum.CheckAsync(storage, backup.DataKey(), backup.GetDataFile().SizeBytes, backup.Sha256, cancellationToken).ConfigureAwait(false) is { } recorded)
            {
                problems.Add(recorded);
                continue;
            }

            var stream = await storage.OpenReadAsync(backup.DataKey(), cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (size, sha256) = await FeedAsync(stream, Stream.Null, cancellationToken).ConfigureAwait(false);
                if (size != backup.GetDataFile().SizeBytes || !string.Equals(sha256, backup.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"'{backup.DataKey()}' in {storage.Name} has {size} bytes with SHA-256 {sha256}, its manifest records {backup.GetDataFile().SizeBytes} bytes with {backup.Sha256}"));
                }
            }
        }

        return problems;
    }

    private async Task UnpackAsync(BackupManifest backup, string target, CancellationToken cancellationToken)
    {
        var tool = backup.TarCompression() == BaseBackupCompression.Zstd ? "zstd" : "lz4";
        string executable;
        try
        {
            executable = ToolLocator.FindSystemExecutable(tool);
        }
        catch (ExternalToolException ex)
        {
            throw new ExternalToolException($"Restoring base backup {backup.Id} needs the '{tool}' command: apt-get install {tool}.", ex);
        }

        // The first copy whose size and recorded checksum agree with the manifest; a copy without a checksum record is not used.
        Stream? source = null;
        IStorageProvider? storage = null;
        var problems = new List<string>();
        foreach (var candidate in _archive.Storages.Providers)
        {
            if (await StoredChecksum.CheckAsync(candidate, backup.DataKey(), backup.GetDataFile().SizeBytes, backup.Sha256, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                problems.Add(problem);
                continue;
            }

            try
            {
                source = await candidate.OpenReadAsync(backup.DataKey(), cancellationToken).ConfigureAwait(false);
                storage = candidate;
                break;
            }
            catch (StorageException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (source is null || storage is null)
        {
            throw new PointInTimeException(
                $"Base backup {backup.Id} is damaged: no storage holds an intact copy of '{backup.DataKey()}': {string.Join("; ", problems)}. Nothing was restored.");
        }

        var where = $"'{backup.DataKey()}' in {storage.Name}";
        await using (source.ConfigureAwait(false))
        {
            var decompress = new ToolStartInfo(executable) { RedirectStandardInput = true };
            decompress.Arguments.AddRange(["-d", "-c"]);
            var process = ToolProcess.Start(decompress);
            await using (process.ConfigureAwait(false))
            {
                var feed = FeedAsync(source, process.StandardInput, cancellationToken);
                Exception? failure = null;
                try
                {
                    await TarFile.ExtractToDirectoryAsync(process.StandardOutput, target, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
                    await process.StandardOutput.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException)
                {
                    failure = ex;
                    process.Kill();
                }

                (long Size, string Sha256)? fed = null;
                try
                {
                    fed = await feed.ConfigureAwait(false);
                }
                catch (IOException ex) when (failure is not null)
                {
                    // The decompressor was stopped: writing to it failed. The first failure says what happened.
                    _ = ex;
                }

                if (failure is null)
                {
                    try
                    {
                        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (ExternalToolException ex)
                    {
                        failure = ex;
                    }
                }

                if (fed is { } read && (read.Size != backup.GetDataFile().SizeBytes || !string.Equals(read.Sha256, backup.Sha256, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new PointInTimeException(string.Create(CultureInfo.InvariantCulture,
                        $"Base backup {backup.Id} is damaged: {where} has {read.Size} bytes and SHA-256 {read.Sha256}, its manifest records {backup.GetDataFile().SizeBytes} bytes and {backup.Sha256}. The restored directory was removed."));
                }

                if (failure is not null)
                {
                    throw new PointInTimeException(
                        $"Base backup {backup.Id} is damaged: {where} is not a valid {tool}-compressed tar ({failure.Message}). The restored directory was removed.",
                        failure);
                }
            }
        }
    }

    private static async Task<(long Size, string Sha256)> FeedAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 17];
        long size = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                size += read;
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await destination.DisposeAsync().ConfigureAwait(false);
        }

        return (size, Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant());
    }
}
