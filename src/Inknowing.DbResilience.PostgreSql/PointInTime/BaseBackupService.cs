using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Takes physical base backups with pg_basebackup (a tar of the data directory with the WAL it needs, compressed on the client)
/// and streams them to every storage as <c>base/&lt;id&gt;/base.tar.&lt;lz4|zst&gt;</c>, then writes the manifest last.
/// </summary>
public sealed partial class BaseBackupService
{
    /// <summary>The storage prefix of base backups.</summary>
    public const string Prefix = "base/";

    private readonly IStorageSet _storages;
    private readonly PostgreSqlOptions _postgreSql;
    private readonly PointInTimeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="BaseBackupService"/> class.</summary>
    /// <param name="storages">The storages to write to.</param>
    /// <param name="postgreSql">The database's options (connection string, tools directory).</param>
    /// <param name="options">The point-in-time options (compression).</param>
    /// <param name="timeProvider">The clock for ids and times.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public BaseBackupService(
        IStorageSet storages,
        IOptions<PostgreSqlOptions> postgreSql,
        IOptions<PointInTimeOptions> options,
        TimeProvider timeProvider,
        ILogger<BaseBackupService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(storages);
        ArgumentNullException.ThrowIfNull(postgreSql);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _storages = storages;
        _postgreSql = postgreSql.Value;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Takes a base backup and stores it in every storage.</summary>
    /// <param name="cancellationToken">Cancels the backup: pg_basebackup is killed and nothing that looks complete is left.</param>
    /// <returns>The manifest of the stored backup.</returns>
    /// <exception cref="ExternalToolException">pg_basebackup failed; the message has its standard error.</exception>
    /// <exception cref="StorageException">No storage could keep a complete copy.</exception>
    public async Task<BaseBackupManifest> CreateAsync(CancellationToken cancellationToken = default)
    {
        var connectionString = _postgreSql.ConnectionString
            ?? throw new DbResilienceConfigurationException("No connection string: call UsePostgreSql(...) before taking a base backup.");
        var version = await GetServerVersionAsync(connectionString, cancellationToken).ConfigureAwait(false);
        var startTime = _timeProvider.GetUtcNow();
        var id = BackupId.New(startTime, "base");
        var extension = _options.Compression == BaseBackupCompression.Zstd ? "zst" : "lz4";
        var dataKey = $"{Prefix}{id}/base.tar.{extension}";

        var start = new ToolStartInfo(ToolLocator.FindClientTool("pg_basebackup", _postgreSql.ToolsDirectory));
        LibpqConnection.Apply(start, connectionString);
        start.Arguments.AddRange(
        [
            "-D", "-", "-F", "t", "-X", "fetch", "-c", "fast", "-v", "-l", "dbresilience " + id,
            "--compress=client-" + (_options.Compression == BaseBackupCompression.Zstd ? "zstd" : "lz4"),
        ]);

        IReadOnlyList<StorageCopyResult> copies;
        string standardError;
        await using (var process = ToolProcess.Start(start))
        {
            try
            {
                copies = await _storages.WriteAllAsync(dataKey, process.StandardOutput, cancellationToken).ConfigureAwait(false);
                await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await DeleteEverywhereAsync(dataKey).ConfigureAwait(false);
                throw;
            }

            standardError = process.GetStandardError();
        }

        var stopTime = _timeProvider.GetUtcNow();
        var good = copies.Where(c => c.Succeeded).ToList();
        if (good.Count == 0)
        {
            await DeleteEverywhereAsync(dataKey).ConfigureAwait(false);
            throw new StorageException(
                $"Base backup {id} could not be stored anywhere: " + string.Join("; ", copies.Select(c => $"{c.Storage.Name}: {c.Error?.Message}")),
                copies.Count > 0 ? copies[0].Error : null);
        }

        var startMatch = StartPointPattern().Match(standardError);
        var stopMatch = EndPointPattern().Match(standardError);
        if (!startMatch.Success || !stopMatch.Success)
        {
            await DeleteEverywhereAsync(dataKey).ConfigureAwait(false);
            throw new ExternalToolException(
                $"pg_basebackup succeeded but did not report its WAL start and end points; base backup {id} was discarded. Its output: {standardError}");
        }

        var manifest = new BaseBackupManifest
        {
            Id = id.Value,
            DataKey = dataKey,
            Compression = _options.Compression,
            Size = good[0].Result!.Size,
            Sha256 = good[0].Result!.Sha256,
            StartLsn = startMatch.Groups["lsn"].Value,
            StopLsn = stopMatch.Groups["lsn"].Value,
            Timeline = uint.Parse(startMatch.Groups["tli"].Value, CultureInfo.InvariantCulture),
            StartTime = startTime,
            StopTime = stopTime,
            PostgreSqlVersion = version,
            Storages = good.Select(c => c.Storage.Name).ToList(),
        };

        var manifestKey = $"{Prefix}{id}/manifest.json";
        using (var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, PointInTimeJson.Default.BaseBackupManifest)))
        {
            // The manifest goes only where the data is whole: its presence means "complete".
            foreach (var copy in good)
            {
                content.Position = 0;
                await copy.Storage.WriteAsync(manifestKey, content, cancellationToken).ConfigureAwait(false);
            }
        }

        Log.BaseBackupStored(_logger, manifest.Id, manifest.Size, manifest.StartLsn, manifest.StopLsn, manifest.Timeline);
        return manifest;
    }

    /// <summary>Lists the complete base backups (those with a manifest) of the first storage that has any, oldest (by start LSN) first.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The manifests, oldest first.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<IReadOnlyList<BaseBackupManifest>> ListAsync(CancellationToken cancellationToken = default)
    {
        foreach (var storage in _storages.Providers)
        {
            var found = new List<BaseBackupManifest>();
            await foreach (var manifest in ReadManifestsAsync(storage, cancellationToken).ConfigureAwait(false))
            {
                found.Add(manifest);
            }

            if (found.Count > 0)
            {
                return BaseBackupManifest.InOrder(found);
            }
        }

        return [];
    }

    /// <summary>Deletes a base backup from every storage: the manifest first, so that a half-done delete never looks complete.</summary>
    /// <param name="manifest">The backup.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>A task that completes when the backup is gone.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task DeleteAsync(BaseBackupManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        foreach (var storage in _storages.Providers)
        {
            await storage.DeleteAsync($"{Prefix}{manifest.Id}/manifest.json", cancellationToken).ConfigureAwait(false);
            await storage.DeleteAsync(manifest.DataKey, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<BaseBackupManifest> ReadManifestsAsync(IStorageProvider storage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var info in storage.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!info.Key.EndsWith("/manifest.json", StringComparison.Ordinal))
            {
                continue;
            }

            var stream = await storage.OpenReadAsync(info.Key, cancellationToken).ConfigureAwait(false);
            BaseBackupManifest? manifest;
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    manifest = await JsonSerializer.DeserializeAsync(stream, PointInTimeJson.Default.BaseBackupManifest, cancellationToken).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    throw new PointInTimeException($"The base backup manifest '{info.Key}' in {storage.Name} is not valid JSON: {ex.Message}", ex);
                }
            }

            if (manifest is not null)
            {
                yield return manifest;
            }
        }
    }

    private static async Task<string> GetServerVersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('wal_segment_size')", connection);
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var segmentSize = reader.GetString(1);
                    if (!string.Equals(segmentSize, "16MB", StringComparison.Ordinal))
                    {
                        throw new PointInTimeException(
                            $"The server's wal_segment_size is {segmentSize}; point-in-time recovery supports the default 16MB only.");
                    }

                    return reader.GetString(0).Split(' ')[0];
                }
            }
        }
    }

    private async Task DeleteEverywhereAsync(string key)
    {
        foreach (var storage in _storages.Providers)
        {
            try
            {
                await storage.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException)
            {
                // Best effort: without a manifest the object is never taken for a complete backup.
            }
        }
    }

    [GeneratedRegex(@"write-ahead log start point: (?<lsn>[0-9A-F]+/[0-9A-F]+) on timeline (?<tli>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex StartPointPattern();

    [GeneratedRegex(@"write-ahead log end point: (?<lsn>[0-9A-F]+/[0-9A-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EndPointPattern();
}
