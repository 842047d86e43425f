namespace DragVideo.Media.Tests;

public class FfmpegToolTests
{
    [Fact]
    public void Missing_ffmpeg_on_path_gives_the_install_hint()
    {
        var act = () => FfmpegTool.Resolve("ffmpeg", null, "/nonexistent-a:/nonexistent-b");
        act.Should().Throw<MediaToolMissingException>().WithMessage("*apt-get install -y ffmpeg*DRAGVIDEO_FFMPEG*")
            .Which.Tool.Should().Be("ffmpeg");
    }

    [Fact]
    public void Override_that_leads_nowhere_is_reported_even_when_path_has_the_tool()
    {
        var act = () => FfmpegTool.Resolve("ffprobe", "/nonexistent/ffmpeg", "/usr/bin");
        var error = act.Should().Throw<MediaToolMissingException>().Which;
        error.InnerException!.Message.Should().Contain("DRAGVIDEO_FFMPEG");
        error.Message.Should().Contain("DRAGVIDEO_FFMPEG='/nonexistent/ffmpeg' does not lead to ffprobe")
            .And.NotContain("not found on PATH", "the override, not PATH, is what failed");
    }

    [Fact]
    public void Override_names_ffmpeg_and_ffprobe_is_taken_from_its_folder()
    {
        FfmpegTool.Resolve("ffmpeg", "/usr/bin/ffmpeg", null).Should().Be("/usr/bin/ffmpeg");
        FfmpegTool.Resolve("ffprobe", "/usr/bin/ffmpeg", null).Should().Be("/usr/bin/ffprobe");
        FfmpegTool.Resolve("ffprobe", "/usr/bin", null).Should().Be("/usr/bin/ffprobe");
    }

    [Fact]
    public void Path_lookup_finds_the_installed_tools() =>
        FfmpegTool.Resolve("ffprobe", null, "/nonexistent:/usr/bin").Should().Be("/usr/bin/ffprobe");
}
