namespace DragVideo.Media.Tests;

public class InvalidInputTests
{
    public static TheoryData<string> BadInputs => new() { "empty", "text", "truncated", "audio", "random" };

    private static string Make(TempFolder tmp, string kind)
    {
        string path = tmp.File(kind + ".mp4");
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, Array.Empty<byte>()); break;
            case "text": File.WriteAllText(path, "this is not a video\n"); break;
            case "random":
                var b = new byte[20000]; new Random(3).NextBytes(b); File.WriteAllBytes(path, b); break;
            case "truncated":
                using (var clip = TestClips.IndexCoded(10, 64, 48, 10)) VideoWriter.WriteMp4(clip, tmp.File("whole.mp4"));
                var all = File.ReadAllBytes(tmp.File("whole.mp4"));
                File.WriteAllBytes(path, all[..(all.Length / 3)]);
                File.Delete(tmp.File("whole.mp4"));
                break;
            case "audio":
                File.WriteAllBytes(path, Wav());
                break;
        }
        return path;
    }

    /// <summary>A valid 0.1 s mono 8 kHz WAV: a media file without a video stream.</summary>
    private static byte[] Wav()
    {
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        int n = 800;
        w.Write("RIFF"u8); w.Write(36 + n * 2); w.Write("WAVE"u8); w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1);
        w.Write(8000); w.Write(16000); w.Write((short)2); w.Write((short)16); w.Write("data"u8); w.Write(n * 2);
        for (int i = 0; i < n; i++) w.Write((short)(10000 * Math.Sin(i * 0.3)));
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Reading_bad_input_is_an_invalid_media_error_and_the_input_is_untouched(string kind)
    {
        using var tmp = new TempFolder();
        string path = Make(tmp, kind);
        var before = File.ReadAllBytes(path);
        var act = () => VideoReader.Read(path);
        act.Should().Throw<InvalidMediaException>().Which.Path.Should().Be(path);
        FluentActions.Invoking(() => MediaProbe.Probe(path)).Should().Throw<InvalidMediaException>();
        File.ReadAllBytes(path).Should().Equal(before);
        tmp.Files().Should().Equal(Path.GetFileName(path));
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Preview_of_bad_input_fails_typed_and_leaves_no_output(string kind)
    {
        using var tmp = new TempFolder();
        string path = Make(tmp, kind);
        File.WriteAllText(tmp.File("req.json"), """{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":2,"y":2}}]}]}""");
        var act = () => InstructionPreview.Render(path, tmp.File("req.json"), tmp.File("out"), new CopyPropagator());
        act.Should().Throw<InvalidMediaException>();
        (Directory.Exists(tmp.File("out")) ? Directory.GetFileSystemEntries(tmp.File("out")) : Array.Empty<string>()).Should().BeEmpty();
    }

    [Fact]
    public void Missing_file_is_file_not_found_and_a_folder_is_invalid_media()
    {
        using var tmp = new TempFolder();
        FluentActions.Invoking(() => VideoReader.Read(tmp.File("nope.mp4"))).Should().Throw<FileNotFoundException>();
        FluentActions.Invoking(() => VideoReader.Read(tmp.Path)).Should().Throw<InvalidMediaException>();
    }

    [Fact]
    public void Bad_image_and_mask_files_are_invalid_media_errors()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("m.png"), "not a png");
        FluentActions.Invoking(() => ImageFile.Read(tmp.File("m.png"))).Should().Throw<InvalidMediaException>();
        FluentActions.Invoking(() => MaskFile.Read(tmp.File("m.png"))).Should().Throw<InvalidMediaException>();
    }
}
