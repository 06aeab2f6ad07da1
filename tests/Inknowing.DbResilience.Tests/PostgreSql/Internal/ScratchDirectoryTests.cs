using Inknowing.DbResilience.PostgreSql;

namespace Inknowing.DbResilience.Tests.PostgreSql.Internal;

public sealed class ScratchDirectoryTests
{
    // Above the kernel's largest process id: no process has it.
    private const string GoneOwner = "4194305-1";

    private string _parent = null!;

    [SetUp]
    public void SetUp() => _parent = Directory.CreateTempSubdirectory("scratch-directory-tests-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_parent, recursive: true);

    [Test]
    public void Reserve_NewDirectory_LeavesTheDirectoryAndAWholeOwnerRecordOnly()
    {
        using var scratch = ScratchDirectory.Reserve("restore", _parent);

        Directory.EnumerateFileSystemEntries(_parent).Select(Path.GetFileName).Should().BeEquivalentTo(
            [Path.GetFileName(scratch.Path), Path.GetFileName(scratch.Path) + ScratchDirectory.OwnerSuffix]);
        File.ReadAllText(scratch.Path + ScratchDirectory.OwnerSuffix).Should().Be(OwnerProcess.Current() + "\n");
    }

    [Test]
    public void Dispose_AfterHandOver_LeavesNothing()
    {
        var scratch = ScratchDirectory.Reserve("cluster", _parent);
        scratch.HandOverTo(Environment.ProcessId);

        scratch.Dispose();

        Directory.EnumerateFileSystemEntries(_parent).Should().BeEmpty();
    }

    [Test]
    public void RemoveAbandoned_PendingRecordOfAGoneWriter_RemovesIt()
    {
        // What a run killed between creating its record and renaming it into place leaves: its name says whose it was.
        var pending = Path.Combine(_parent, "dbresilience-restore-0123456789AB.owner." + GoneOwner + ScratchDirectory.PendingSuffix);
        File.WriteAllText(pending, string.Empty);

        ScratchDirectory.RemoveAbandoned(_parent);

        File.Exists(pending).Should().BeFalse("the writer that was making it is gone");
    }

    [Test]
    public void RemoveAbandoned_PendingRecordOfALiveWriter_LeavesIt()
    {
        var pending = Path.Combine(
            _parent, "dbresilience-restore-0123456789AB.owner." + OwnerProcess.Current().Replace(' ', '-') + ScratchDirectory.PendingSuffix);
        File.WriteAllText(pending, string.Empty);

        ScratchDirectory.RemoveAbandoned(_parent);

        File.Exists(pending).Should().BeTrue("its writer (this process) may be about to rename it into place");
    }

    [Test]
    public void RemoveAbandoned_RecordOfAGoneOwner_RemovesTheDirectoryAndTheRecord()
    {
        var path = Path.Combine(_parent, "dbresilience-restore-0123456789AB");
        Directory.CreateDirectory(path);
        File.WriteAllText(path + ScratchDirectory.OwnerSuffix, GoneOwner.Replace('-', ' ') + "\n");

        ScratchDirectory.RemoveAbandoned(_parent).Should().Equal(path);

        Directory.EnumerateFileSystemEntries(_parent).Should().BeEmpty();
    }
}
