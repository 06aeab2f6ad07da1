using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Tests.Storage;

public sealed class StorageKeyTests
{
    public static IEnumerable<TestCaseData> BadKeys =>
    [
        new TestCaseData("", "empty"),
        new TestCaseData("/etc/passwd", "starts with '/'"),
        new TestCaseData("C:/Windows/win.ini", "drive letter"),
        new TestCaseData("../outside", "'..'"),
        new TestCaseData("backups/../../outside", "'..'"),
        new TestCaseData("backups/./data", "'.'"),
        new TestCaseData("backups\\data", "backslash"),
        new TestCaseData("backups//data", "empty segment"),
        new TestCaseData("backups/data/", "ends with '/'"),
        new TestCaseData("backups/da\nta", "control character U+000A"),
        new TestCaseData("backups/da\0ta", "control character U+0000"),
        new TestCaseData("backups/\ud800x", "invalid UTF-16"),
        new TestCaseData("backups/.dbr-sha256.data", "reserved"),
        new TestCaseData(new string('a', 256), "segment is longer than 255"),
        new TestCaseData(string.Join('/', Enumerable.Repeat(new string('a', 200), 6)), "longer than 1024"),
    ];

    [TestCaseSource(nameof(BadKeys))]
    public void Validate_BadKey_ThrowsNamingTheProblem(string key, string reason)
    {
        var validate = () => StorageKey.Validate(key);

        validate.Should().Throw<ArgumentException>().Which.Message.Should().Contain(reason).And.Contain("not valid");
        StorageKey.IsValid(key).Should().BeFalse();
    }

    [TestCase("data.dump")]
    [TestCase("backups/20261121T020000Z-daily-3f9a/data.dump")]
    [TestCase("wal/00000001/000000010000000000000001")]
    [TestCase("dir/.hidden")]
    [TestCase("dir/..name")]
    [TestCase("naïve/ключ/数据 with spaces")]
    public void Validate_GoodKey_ReturnsIt(string key)
    {
        StorageKey.Validate(key).Should().Be(key);
        StorageKey.IsValid(key).Should().BeTrue();
    }

    [TestCase("")]
    [TestCase("backups/")]
    [TestCase("wal/0000000100")]
    public void ValidatePrefix_GoodPrefix_ReturnsIt(string prefix)
        => StorageKey.ValidatePrefix(prefix).Should().Be(prefix);

    [TestCase("/backups/")]
    [TestCase("../")]
    [TestCase("backups//")]
    [TestCase("/")]
    public void ValidatePrefix_BadPrefix_Throws(string prefix)
    {
        var validate = () => StorageKey.ValidatePrefix(prefix);

        validate.Should().Throw<ArgumentException>().WithMessage("*prefix*not valid*");
    }

    [Test]
    public void Validate_Null_ThrowsArgumentNull()
    {
        var validate = () => StorageKey.Validate(null!);

        validate.Should().Throw<ArgumentNullException>();
    }

    [TestCase("", "a/b", "a/b")]
    [TestCase("db1", "a/b", "db1/a/b")]
    [TestCase("db1/", "a", "db1/a")]
    public void Combine_PrefixAndKey_JoinsWithOneSlash(string prefix, string key, string expected)
        => StorageKey.Combine(prefix, key).Should().Be(expected);
}
