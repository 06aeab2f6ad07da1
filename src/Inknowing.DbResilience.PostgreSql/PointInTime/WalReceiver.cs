using System.Globalization;
using System.Text;
using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.Replication;
using NpgsqlTypes;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Streams WAL over the replication protocol from a physical replication slot into storage as it arrives: complete segments
/// under their own names, the segment being written as <c>.partial</c> every <see cref="PointInTimeOptions.PartialFlushInterval"/>
/// (or after every message in synchronous mode). The server is told only what is safely stored, so the slot keeps the rest and
/// a restart resumes without a gap.
/// </summary>
public sealed class WalReceiver : IDisposable
{
    private readonly WalArchive _archive;
    private readonly PostgreSqlOptions _postgreSql;
    private readonly PointInTimeOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _buffer = new byte[WalSegmentName.SegmentSize];
    private WalSegmentName _segment;
    private uint _timeline;
    private IReadOnlyList<(uint Parent, ulong SwitchLsn)> _history = [];
    private int _length;
    private int _storedLength;
    private long _storedLsn;

    /// <summary>Initializes a new instance of the <see cref="WalReceiver"/> class.</summary>
    /// <param name="archive">The WAL archive to store into.</param>
    /// <param name="postgreSql">The database's options; the connection's role needs the REPLICATION attribute.</param>
    /// <param name="options">The slot, flush interval and synchronous mode.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public WalReceiver(WalArchive archive, IOptions<PostgreSqlOptions> postgreSql, IOptions<PointInTimeOptions> options, [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<WalReceiver>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(postgreSql);
        ArgumentNullException.ThrowIfNull(options);
        _archive = archive;
        _postgreSql = postgreSql.Value;
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Releases the lock that guards the segment buffer.</summary>
    public void Dispose() => _gate.Dispose();

    /// <summary>Gets the WAL location up to which everything received is safely in storage.</summary>
    public NpgsqlLogSequenceNumber StoredLsn => new((ulong)Interlocked.Read(ref _storedLsn));

    /// <summary>
    /// Streams until cancelled: creates the slot when missing, stores the server's timeline history file when it is past
    /// timeline 1 (after a promotion), resumes at the start of the segment that holds the slot's restart point on the server's
    /// current timeline, and stores what it has when cancelled.
    /// </summary>
    /// <param name="cancellationToken">Stops the stream; the segment being written is stored as <c>.partial</c> first.</param>
    /// <returns>A task that completes when cancelled.</returns>
    /// <exception cref="NpgsqlException">The connection could not be opened (the hosted service reconnects).</exception>
    /// <exception cref="PointInTimeException">
    /// The server sent WAL out of order, or the stream ended or broke before cancellation (the hosted service reconnects).
    /// </exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(_postgreSql.ConnectionString) { ApplicationName = _options.ApplicationName };
        var connection = new PhysicalReplicationConnection(builder.ConnectionString)
        {
            WalReceiverStatusInterval = _options.PartialFlushInterval,
        };
        await using (connection.ConfigureAwait(false))
        {
            await connection.Open(cancellationToken).ConfigureAwait(false);
            var system = await connection.IdentifySystem(cancellationToken).ConfigureAwait(false);
            var slot = await connection.ReadReplicationSlot(_options.SlotName, cancellationToken).ConfigureAwait(false);
            if (slot?.RestartLsn is null)
            {
                slot = await connection.CreateReplicationSlot(_options.SlotName, isTemporary: false, reserveWal: true, cancellationToken).ConfigureAwait(false);
                slot = await connection.ReadReplicationSlot(_options.SlotName, cancellationToken).ConfigureAwait(false) ?? slot;
            }

            // After a promotion the server is on a new timeline: store its history file (recovery needs it to follow the switch)
            // and name each segment after the timeline it belongs to.
            var timeline = system.Timeline;
            _timeline = timeline;
            _history = [];
            if (timeline > 1 && await ReadHistoryAsync(connection, timeline, cancellationToken).ConfigureAwait(false) is { } history)
            {
                _history = WalChain.ParseHistoryLines(Encoding.UTF8.GetString(history.Content));
                await _archive.StoreAsync(WalFileName.Parse(history.Name), history.Content, cancellationToken).ConfigureAwait(false);
                Log.ReceiverHistoryStored(_logger, history.Name);
            }

            var resumeAt = slot.RestartLsn ?? system.XLogPos;
            _segment = SegmentAt(_timeline, _history, resumeAt);
            _length = 0;
            _storedLength = 0;
            Interlocked.Exchange(ref _storedLsn, (long)(ulong)_segment.StartLsn);
            Log.ReceiverStarted(_logger, _options.SlotName, _segment.ToString(), _options.Synchronous);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var flusher = _options.Synchronous ? Task.CompletedTask : FlushPeriodicallyAsync(connection, stop.Token);
            try
            {
                await foreach (var message in connection.StartReplication(slot, _segment.StartLsn, cancellationToken, timeline).ConfigureAwait(false))
                {
                    await ReceiveAsync(message, cancellationToken).ConfigureAwait(false);
                    if (_options.Synchronous)
                    {
                        await FlushPartialAsync(connection, cancellationToken).ConfigureAwait(false);
                        await connection.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: store what has arrived below.
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A server shutting down ends the stream in ways Npgsql reports as protocol errors: say what happened.
                throw StreamEnded(ex.Message, ex);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await flusher.ConfigureAwait(false);
            }

            await FlushPartialAsync(connection, CancellationToken.None).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                throw StreamEnded("the server closed it", null);
            }
        }
    }

    private PointInTimeException StreamEnded(string reason, Exception? innerException) => new(
        $"The replication stream from the server ended after everything up to {StoredLsn} was stored ({reason}): the server shut down or "
        + $"restarted, or the connection broke. Run wal-receive again: it resumes from slot '{_options.SlotName}' without a gap, the server keeping the WAL until it is stored.",
        innerException);

    /// <summary>
    /// Reads the server's timeline history file: with TIMELINE_HISTORY, or, where Npgsql cannot read that answer (PostgreSQL
    /// sends its content typed as text, Npgsql 10 casts it to bytes), with <c>pg_read_binary_file</c> on an ordinary
    /// connection, which needs superuser or <c>pg_read_server_files</c>. Without either, logs why and returns <see langword="null"/>:
    /// streaming goes on, and the window names the missing history file until archive_command stores it.
    /// </summary>
    private async Task<(string Name, byte[] Content)?> ReadHistoryAsync(PhysicalReplicationConnection connection, uint timeline, CancellationToken cancellationToken)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}.history");
        try
        {
            var history = await connection.TimelineHistory(timeline, cancellationToken).ConfigureAwait(false);
            return (history.FileName, history.Content);
        }
        catch (InvalidCastException)
        {
            // Fall back to SQL below.
        }

        var builder = new NpgsqlConnectionStringBuilder(_postgreSql.ConnectionString) { ApplicationName = _options.ApplicationName, Pooling = false };
        var sql = new NpgsqlConnection(builder.ConnectionString);
        await using (sql.ConfigureAwait(false))
        {
            try
            {
                await sql.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = new NpgsqlCommand("SELECT pg_read_binary_file('pg_wal/' || $1)", sql) { Parameters = { new() { Value = name } } };
                await using (command.ConfigureAwait(false))
                {
                    return (name, (byte[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                Log.ReceiverHistoryUnreadable(_logger, name, ex.MessageText);
                return null;
            }
        }
    }

    /// <summary>
    /// Names the segment holding a position: on the current timeline, or on an older one of its history when the whole segment
    /// was written before that timeline ended (the segment of the switch itself belongs to the new timeline, as in pg_wal).
    /// </summary>
    internal static WalSegmentName SegmentAt(uint timeline, IReadOnlyList<(uint Parent, ulong SwitchLsn)> history, NpgsqlLogSequenceNumber lsn)
    {
        var segment = WalSegmentName.FromLsn(timeline, lsn);
        foreach (var (parent, switchLsn) in history)
        {
            if (switchLsn >= (ulong)segment.EndLsn)
            {
                return segment with { Timeline = parent };
            }
        }

        return segment;
    }

    private async Task ReceiveAsync(XLogDataMessage message, CancellationToken cancellationToken)
    {
        var expected = (ulong)_segment.StartLsn + (ulong)_length;
        if ((ulong)message.WalStart != expected)
        {
            throw new PointInTimeException($"The server sent WAL from {message.WalStart} but {new NpgsqlLogSequenceNumber(expected)} was expected: refusing a gap.");
        }

        var data = message.Data;
        var chunk = new byte[1 << 16];
        while (true)
        {
            var read = await data.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, WalSegmentName.SegmentSize - _length)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                chunk.AsSpan(0, read).CopyTo(_buffer.AsSpan(_length));
                _length += read;
            }
            finally
            {
                _gate.Release();
            }

            if (_length == WalSegmentName.SegmentSize)
            {
                await CompleteSegmentAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CompleteSegmentAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = WalFileName.Parse(_segment.ToString());
            await _archive.StoreAsync(file, _buffer, cancellationToken).ConfigureAwait(false);
            await _archive.DeleteAsync(file.Key + ".partial", cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _storedLsn, (long)(ulong)_segment.EndLsn);
            Log.ReceiverSegmentStored(_logger, file.Name);
            _segment = SegmentAt(_timeline, _history, _segment.EndLsn);
            _length = 0;
            _storedLength = 0;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FlushPeriodicallyAsync(PhysicalReplicationConnection connection, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.PartialFlushInterval, cancellationToken).ConfigureAwait(false);
                await FlushPartialAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (DbResilienceException ex)
            {
                // A storage hiccup: the next flush tries again, and the server keeps the WAL meanwhile.
                Log.ReceiverFlushFailed(_logger, ex.Message);
            }
        }
    }

    private async Task FlushPartialAsync(PhysicalReplicationConnection connection, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_length > _storedLength)
            {
                var file = WalFileName.Parse(_segment + ".partial");
                await _archive.StoreAsync(file, _buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
                _storedLength = _length;
                Interlocked.Exchange(ref _storedLsn, (long)((ulong)_segment.StartLsn + (ulong)_length));
            }

            connection.SetReplicationStatus(StoredLsn);
        }
        finally
        {
            _gate.Release();
        }
    }
}
