using DragVideo.Studio.Hosting;

namespace DragVideo.Studio.Tests;

public class StudioCommandLineTests
{
    [Fact]
    public void No_arguments_bind_loopback_only_with_the_fast_backend_and_the_default_upload_limit()
    {
        var o = StudioCommandLine.Parse(Array.Empty<string>())!;
        o.Urls.Should().Equal("http://127.0.0.1:5178");
        StudioCommandLine.IsLoopbackOnly(o.Urls).Should().BeTrue();
        o.UsesDiffusion.Should().BeFalse();
        o.MaxUploadBytes.Should().Be(200L * 1024 * 1024);
        o.StepDelay.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Host_and_port_build_the_url_and_an_ipv6_literal_is_bracketed()
    {
        StudioCommandLine.Parse(new[] { "--host", "0.0.0.0", "--port", "8080" })!.Urls.Should().Equal("http://0.0.0.0:8080");
        StudioCommandLine.Parse(new[] { "--host=::1" })!.Urls.Should().Equal("http://[::1]:5178");
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://192.168.1.4:5000", false)]
    public void Loopback_detection_accepts_only_loopback_hosts(string url, bool loopback) =>
        StudioCommandLine.IsLoopbackOnly(new[] { url }).Should().Be(loopback);

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:1", "--port", "2")]
    [InlineData("--bogus", "1")]
    [InlineData("--port", "70000")]
    [InlineData("--port", "-1")]
    [InlineData("--max-upload-mb", "0")]
    [InlineData("--step-delay-ms", "abc")]
    [InlineData("--urls", "ftp://127.0.0.1:1")]
    [InlineData("--port")]
    [InlineData("stray")]
    public void Bad_command_lines_are_refused_with_a_usage_error(params string[] args)
    {
        var act = () => StudioCommandLine.Parse(args);
        act.Should().Throw<StudioUsageException>();
    }

    [Fact]
    public void An_unknown_option_is_named_as_unknown_even_without_a_value()
    {
        var act = () => StudioCommandLine.Parse(new[] { "--bogus" });
        act.Should().Throw<StudioUsageException>().WithMessage("unknown option --bogus*");
    }

    [Fact]
    public void Model_without_motion_adapter_is_refused_naming_both_options()
    {
        var act = () => StudioCommandLine.Parse(new[] { "--model", Path.GetTempPath() });
        act.Should().Throw<StudioUsageException>().WithMessage("*--model*--motion*");
    }

    [Fact]
    public void A_missing_videos_folder_is_refused()
    {
        var act = () => StudioCommandLine.Parse(new[] { "--videos", "/no/such/folder/for/studio" });
        act.Should().Throw<StudioUsageException>().WithMessage("*does not exist*");
    }

    [Fact]
    public void Help_returns_null_and_limits_and_delay_are_read()
    {
        StudioCommandLine.Parse(new[] { "--help" }).Should().BeNull();
        var o = StudioCommandLine.Parse(new[] { "--max-upload-mb", "3", "--step-delay-ms=250" })!;
        o.MaxUploadBytes.Should().Be(3L * 1024 * 1024);
        o.StepDelay.Should().Be(TimeSpan.FromMilliseconds(250));
    }
}
