using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>One configured storage: the builder call that added it, how to create it, and the problems found in its settings.</summary>
/// <param name="Call">The builder call, for messages, for example <c>UseFileSystemStorage("/var/backups")</c>.</param>
/// <param name="Name">The storage's display name when known before it is created (used to find duplicates), or <see langword="null"/>.</param>
/// <param name="Factory">Creates the provider; the storage set owns and disposes it.</param>
/// <param name="Problems">What is wrong with its settings, each saying how to fix it; empty when valid.</param>
internal sealed record StorageRegistration(string Call, string? Name, Func<IServiceProvider, IStorageProvider> Factory, IReadOnlyList<string> Problems);
