using System.Diagnostics;
using System.Globalization;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>
/// Names the process that owns a leftover-prone resource (a scratch directory, a scratch database) as "PID STARTTIME", and tells
/// whether the process a record names is still alive on this host. The start time tells a reused process id from the owner.
/// </summary>
internal static class OwnerProcess
{
    /// <summary>Returns "PID STARTTIME" for this process (STARTTIME is 0 where the platform does not tell it).</summary>
    public static string Current() => Describe(Environment.ProcessId);

    /// <summary>Tells whether the process named by a "PID STARTTIME" record is alive; a record this code did not write counts as alive.</summary>
    /// <param name="record">The record.</param>
    /// <returns><see langword="false"/> only when the record is well formed and its process is gone.</returns>
    public static bool IsAlive(string record)
    {
        var parts = record.Split(' ');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            // Not a record this code wrote: leave what it guards alone.
            return true;
        }

        if (OperatingSystem.IsLinux())
        {
            return StartTimeOf(pid) is { } started && (parts[1] == "0" || parts[1] == started);
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Returns "PID STARTTIME" for process <paramref name="pid"/>.</summary>
    /// <param name="pid">The process id.</param>
    /// <returns>The record.</returns>
    public static string Of(int pid) => Describe(pid);

    private static string Describe(int pid) => pid.ToString(CultureInfo.InvariantCulture) + " " + (StartTimeOf(pid) ?? "0");

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null when it is gone.</summary>
    private static string? StartTimeOf(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
