using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// A temporary directory a run works in (a local copy of a backup, an extracted dump, a throwaway cluster, a drill's restore):
/// <c>PARENT/dbresilience-KIND-TOKEN</c>, with an owner record <c>dbresilience-KIND-TOKEN.owner</c> beside it that names this
/// process (its id and start time). Disposing removes the directory, every sibling whose name starts with it (a restore's
/// <c>-wal</c> staging), then the record.
/// </summary>
/// <remarks>
/// A run killed before it could clean up leaves its record behind. Each new scratch directory first removes, in the same parent,
/// those whose owner process is gone, stopping a server still running in one of them, so the next run cleans a killed run's
/// leftovers. A directory whose owner is alive (another run at work) is never touched, and neither is one without a record.
/// The record sits beside the directory, not inside it, because a cluster's directory is given to the server's OS user and
/// the parent of a data directory must stay passable for that user.
/// </remarks>
internal sealed class ScratchDirectory : IDisposable
{
    /// <summary>The start of every scratch directory's name.</summary>
    public const string Prefix = "dbresilience-";

    /// <summary>The end of an owner record's name.</summary>
    public const string OwnerSuffix = ".owner";

    /// <summary>
    /// The end of a record being written: <c>RECORD.PID-STARTTIME.pending</c>, renamed to <c>RECORD</c> once whole.
    /// </summary>
    public const string PendingSuffix = ".pending";

    private bool _disposed;

    private ScratchDirectory(string path) => Path = path;

    /// <summary>Gets the directory's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Removes abandoned scratch directories from <paramref name="parent"/>, records this process as the owner of a new name,
    /// and creates the directory 0700 unless <paramref name="create"/> is false (a tool that creates it itself, as pg_dump does).
    /// </summary>
    /// <param name="kind">What the directory is for, in its name: <c>restore</c>, <c>dump</c>, <c>cluster</c>, <c>drill</c>.</param>
    /// <param name="parent">The parent directory; <see langword="null"/> for the system's temporary directory.</param>
    /// <param name="create"><see langword="true"/> to create the directory.</param>
    /// <returns>The reserved directory.</returns>
    public static ScratchDirectory Reserve(string kind, string? parent = null, bool create = true)
    {
        parent = System.IO.Path.GetFullPath(parent ?? System.IO.Path.GetTempPath());
        RemoveAbandoned(parent);

        // The parent is the caller's (the temporary directory, a configured one): a server's OS user must be able to pass through
        // it to a cluster's directory, so it keeps the umask's mode; the scratch directory and the record are the private ones.
        Directory.CreateDirectory(parent);
        var path = System.IO.Path.Combine(parent, Prefix + kind + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)));
        WriteRecord(path + OwnerSuffix, OwnerProcess.Current() + "\n", replace: false);

        if (create)
        {
            PrivateFiles.CreateDirectory(path);
        }

        return new ScratchDirectory(path);
    }

    /// <summary>Removes every scratch directory in <paramref name="parent"/> whose owner record names a process that is gone.</summary>
    /// <param name="parent">The parent directory.</param>
    /// <returns>The paths removed.</returns>
    public static IReadOnlyList<string> RemoveAbandoned(string parent)
    {
        var removed = new List<string>();
        if (!Directory.Exists(parent))
        {
            return removed;
        }

        RemoveAbandonedPendingRecords(parent);
        foreach (var record in Directory.EnumerateFiles(parent, Prefix + "*" + OwnerSuffix))
        {
            string text;
            try
            {
                text = File.ReadAllText(record).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (OwnerProcess.IsAlive(text))
            {
                continue;
            }

            var path = record[..^OwnerSuffix.Length];
            if (Remove(path, record))
            {
                removed.Add(path);
            }
        }

        return removed;
    }

    /// <summary>
    /// Makes the server <paramref name="pid"/> the directory's owner (a restored cluster left running on purpose, whose log and
    /// sockets live here): the directory stays while that server runs, and the next run removes it once the server has stopped.
    /// </summary>
    /// <param name="pid">The server's process id.</param>
    public void HandOverTo(int pid) => WriteRecord(Path + OwnerSuffix, OwnerProcess.Of(pid) + "\n", replace: true);

    /// <summary>Removes the directory, its siblings that start with its name, then the owner record.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Remove(Path, Path + OwnerSuffix);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="record"/> whole or not at all: a run killed between creating a record and
    /// writing it would leave an empty record, which names no owner, so nothing would ever remove it or what it guards. The text
    /// goes first to a pending file whose name names the writer (<c>RECORD.PID-STARTTIME.pending</c>), then is renamed.
    /// </summary>
    /// <param name="record">The record's path, in a directory <see cref="RemoveAbandonedPendingRecords"/> sweeps.</param>
    /// <param name="text">The record.</param>
    /// <param name="replace"><see langword="true"/> to replace an existing record.</param>
    /// <exception cref="IOException">The record could not be written, or exists and <paramref name="replace"/> is false.</exception>
    internal static void WriteRecord(string record, string text, bool replace)
    {
        var pending = record + "." + OwnerProcess.Current().Replace(' ', '-') + PendingSuffix;
        using (var file = PrivateFiles.CreateFile(pending, FileMode.Create))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        File.Move(pending, record, replace);
    }

    /// <summary>Removes from <paramref name="parent"/> the pending records (<see cref="WriteRecord"/>) of writers that are gone.</summary>
    /// <param name="parent">The directory.</param>
    internal static void RemoveAbandonedPendingRecords(string parent)
    {
        foreach (var pending in Directory.EnumerateFiles(parent, Prefix + "*" + PendingSuffix))
        {
            var name = System.IO.Path.GetFileName(pending)[..^PendingSuffix.Length];
            if (!OwnerProcess.IsAlive(name[(name.LastIndexOf('.') + 1)..].Replace('-', ' ')))
            {
                TryDelete(pending);
            }
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next run.
        }
    }

    /// <summary>Deletes a scratch directory and its siblings (stopping a server left in one), then its record; false if any is left.</summary>
    private static bool Remove(string path, string record)
    {
        var parent = System.IO.Path.GetDirectoryName(path)!;
        var name = System.IO.Path.GetFileName(path);
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(parent, name + "*").Where(e => e != record).ToList())
            {
                if (Directory.Exists(entry))
                {
                    StopServer(entry);
                    StopServer(System.IO.Path.Combine(entry, "data"));
                    StopSocketOwner(entry);
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }

            // The record goes last: a run killed while cleaning up leaves it, and the next run finishes the job.
            File.Delete(record);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kills a server whose sockets are in <paramref name="directory"/> (a cluster started over a data directory elsewhere, such as
    /// a point-in-time restore's target, by a run killed since): its socket lock file names its process and data directory.
    /// </summary>
    private static void StopSocketOwner(string directory)
    {
        foreach (var lockFile in Directory.EnumerateFiles(directory, ".s.PGSQL.*.lock"))
        {
            var lines = File.ReadLines(lockFile).Take(2).ToList();
            if (lines.Count == 2 && int.TryParse(lines[0].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pid) && pid != 0)
            {
                Kill(Math.Abs(pid), lines[1].Trim());
            }
        }
    }

    /// <summary>Kills a server left running in <paramref name="dataDirectory"/> by a killed run, if its pid file names one.</summary>
    internal static void StopServer(string dataDirectory)
    {
        var pidFile = System.IO.Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        Kill(pid, dataDirectory);
    }

    /// <summary>Kills process <paramref name="pid"/> and its children if it is the postmaster of <paramref name="dataDirectory"/>.</summary>
    private static void Kill(int pid, string dataDirectory)
    {
        // Only the postmaster of this data directory: the pid may have been reused by another process since.
        if (OperatingSystem.IsLinux())
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/cmdline");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }

            if (!commandLine.Contains(dataDirectory, StringComparison.Ordinal))
            {
                return;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
