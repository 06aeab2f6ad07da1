namespace Inknowing.DbResilience.Migrations;

/// <summary>Supplies migration scripts: a directory, the embedded resources of an assembly, or code.</summary>
public interface IMigrationSource
{
    /// <summary>Gets a short description of the source for messages, such as the directory's path.</summary>
    string Description { get; }

    /// <summary>Loads every script of the source.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The scripts, in no particular order.</returns>
    /// <exception cref="DbResilienceConfigurationException">A script's name cannot be parsed or the source does not exist; every such problem is listed, each naming the file.</exception>
    Task<IReadOnlyList<MigrationScript>> LoadAsync(CancellationToken cancellationToken = default);
}
