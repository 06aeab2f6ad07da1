using System.CommandLine;
using System.Globalization;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Cli.Commands;

/// <summary><c>dbresilience storage ls|copy</c>: look into storages and copy between them, without a database.</summary>
internal static class StorageCommand
{
    private static readonly Option<string> Prefix = new("--prefix") { Description = "Only keys that start with this prefix, for example backups/.", DefaultValueFactory = _ => string.Empty };

    public static Command Create()
    {
        var command = new Command("storage", "List storages and copy backups between them (the 3-2-1 rule: several copies, one offsite).");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateCopy());
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("ls", "List the objects of the first --storage (or DBRESILIENCE_STORAGE) with size, time and SHA-256.");
        command.Options.Add(Prefix);
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var storages = CliApplication.GetStorages(parse);
            if (storages.Count == 0)
            {
                throw new DbResilienceConfigurationException($"No storage to list: give --storage URI or set {GlobalOptions.StorageVariable}.");
            }

            using var storage = new DisposableStorage(storages[0].CreateProvider());
            var items = new List<StorageObjectInfo>();
            await foreach (var item in storage.Provider.ListAsync(Validated(parse.GetValue(Prefix)!), cancellationToken))
            {
                items.Add(item.Sha256 is null ? await storage.Provider.GetInfoAsync(item.Key, cancellationToken) ?? item : item);
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new Listing(storage.Provider.Name, items));
            }
            else
            {
                foreach (var item in items)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{item.LastModified:yyyy-MM-ddTHH:mm:ssZ}  {item.Size,14}  {item.Sha256 ?? new string('-', 64)}  {item.Key}"));
                }

                Console.WriteLine($"{items.Count} object(s), {items.Sum(i => i.Size)} bytes in {storage.Provider.Name}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateCopy()
    {
        var from = new Option<string>("--from") { Description = "The storage URI to copy from.", Required = true };
        var to = new Option<string>("--to") { Description = "The storage URI to copy to.", Required = true };
        var command = new Command("copy", "Copy objects from one storage to another, verifying the SHA-256 of each; objects already there are skipped. Exit 1 when any copy failed.");
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(Prefix);
        command.Options.Add(GlobalOptions.Json);
        command.SetAction(CliApplication.Handle(async (parse, cancellationToken) =>
        {
            var prefix = Validated(parse.GetValue(Prefix)!);
            using var source = new DisposableStorage(StorageUri.Parse(parse.GetValue(from)!).CreateProvider());
            using var destination = new DisposableStorage(StorageUri.Parse(parse.GetValue(to)!).CreateProvider());
            if (source.Provider.Name == destination.Provider.Name)
            {
                throw new DbResilienceConfigurationException($"--from and --to are the same storage ({source.Provider.Name}): give two different places.");
            }

            var items = await new StorageCopier().CopyAsync(source.Provider, destination.Provider, prefix, cancellationToken);
            var failed = items.Count(i => i.Outcome == StorageCopyOutcome.Failed);
            if (parse.GetValue(GlobalOptions.Json))
            {
                CliJson.Write(new CopyReport(
                    source.Provider.Name, destination.Provider.Name, prefix, items.Count(i => i.Outcome == StorageCopyOutcome.Copied), items.Count(i => i.Outcome == StorageCopyOutcome.Skipped), failed, items));
            }
            else
            {
                foreach (var item in items)
                {
                    Console.WriteLine($"{item.Outcome.ToString().ToLowerInvariant(),-8} {item.Key}{(item.Error is null ? string.Empty : ": " + item.Error)}");
                }

                Console.WriteLine($"{items.Count} object(s): {items.Count(i => i.Outcome == StorageCopyOutcome.Copied)} copied, {items.Count(i => i.Outcome == StorageCopyOutcome.Skipped)} already there, {failed} failed ({source.Provider.Name} -> {destination.Provider.Name})");
            }

            return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static string Validated(string prefix)
    {
        try
        {
            return StorageKey.ValidatePrefix(prefix);
        }
        catch (ArgumentException ex)
        {
            throw new DbResilienceConfigurationException("--prefix: " + ex.Message, ex);
        }
    }

    /// <summary>Disposes a provider that needs it (the S3 client) when the verb ends.</summary>
    private sealed class DisposableStorage(IStorageProvider provider) : IDisposable
    {
        public IStorageProvider Provider { get; } = provider;

        public void Dispose() => (Provider as IDisposable)?.Dispose();
    }

    /// <summary>The <c>--json</c> output of <c>storage ls</c>.</summary>
    internal sealed record Listing(string Storage, IReadOnlyList<StorageObjectInfo> Objects);

    /// <summary>The <c>--json</c> output of <c>storage copy</c>.</summary>
    internal sealed record CopyReport(string From, string To, string Prefix, int Copied, int Skipped, int Failed, IReadOnlyList<StorageCopyItem> Objects);
}
