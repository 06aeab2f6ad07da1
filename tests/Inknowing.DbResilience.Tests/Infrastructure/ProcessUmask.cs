using System.Runtime.InteropServices;

namespace Inknowing.DbResilience.Tests.Infrastructure;

/// <summary>Sets this process's umask for the length of a test (the common 022 lets group and others read new files) and puts the old one back.</summary>
internal sealed partial class ProcessUmask : IDisposable
{
    /// <summary>The umask most distributions give a login: 022, so new files are <c>-rw-r--r--</c> unless the program says otherwise.</summary>
    public const uint Common = 0x12;

    private readonly uint _previous;

    private ProcessUmask(uint mask) => _previous = SetMask(mask);

    /// <summary>Sets <paramref name="mask"/> until the result is disposed.</summary>
    public static ProcessUmask Set(uint mask) => new(mask);

    public void Dispose() => _ = SetMask(_previous);

    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint SetMask(uint mask);
}
