namespace Inknowing.DbResilience.Tests;

public sealed class DbResilienceConfigurationExceptionTests
{
    [Test]
    public void Constructor_OneError_UsesItAsTheMessage()
    {
        var error = new DbResilienceConfigurationException(new[] { "call UsePostgreSql(...)" });

        error.Message.Should().Be("call UsePostgreSql(...)");
        error.IsTransient.Should().BeFalse();
    }

    [Test]
    public void Constructor_SeveralErrors_ListsEachOnItsOwnLine()
    {
        var error = new DbResilienceConfigurationException(new[] { "first", "second" });

        error.Message.Should().StartWith("The DbResilience configuration has 2 problems:");
        error.Message.Split(Environment.NewLine).Should().Contain(new[] { "  - first", "  - second" });
    }
}
