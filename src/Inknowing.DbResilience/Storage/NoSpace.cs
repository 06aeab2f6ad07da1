namespace Inknowing.DbResilience.Storage;

/// <summary>Recognizes a full disk (or an exhausted quota) in an exception, as the operating system reports it.</summary>
internal static class NoSpace
{
    private const int Enospc = 28; // Linux and macOS errno
    private const int Edquot = 122; // Linux errno: disk quota exceeded
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);
    private const int ErrorDiskFull = unchecked((int)0x80070070);

    /// <summary>Tells whether <paramref name="exception"/> or one of its inner exceptions says the disk is full.</summary>
    public static bool Is(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is IOException { HResult: Enospc or Edquot or ErrorHandleDiskFull or ErrorDiskFull })
            {
                return true;
            }
        }

        return false;
    }
}
