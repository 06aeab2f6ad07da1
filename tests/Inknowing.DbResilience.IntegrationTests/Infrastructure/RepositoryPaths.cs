namespace Inknowing.DbResilience.IntegrationTests.Infrastructure;

/// <summary>Finds files of this repository from the test binaries' directory.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inknowing.DbResilience.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Inknowing.DbResilience.sln was not found above " + AppContext.BaseDirectory);
    }
}
