using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class TorchCheckpointReaderTests
{
    private static readonly CheckpointReadOptions OptIn = new() { AllowPickle = true };

    public TorchCheckpointReaderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    [Trait("Category", "Parity")]
    public void The_fixture_ckpt_loads_bit_identically_to_its_safetensors_twin()
    {
        var fromPickle = TorchCheckpointReader.Load(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"), OptIn);
        var fromSafetensors = SafetensorsReader.Load(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.safetensors"));
        try
        {
            fromPickle.Should().HaveCount(308);
            fromPickle.Keys.Should().BeEquivalentTo(fromSafetensors.Keys);
            foreach (var (name, e) in fromSafetensors)
            {
                var a = fromPickle[name];
                a.dtype.Should().Be(e.dtype, name);
                a.shape.Should().Equal(e.shape, name);
                a.bytes.SequenceEqual(e.bytes).Should().BeTrue(name);
            }
        }
        finally
        {
            foreach (var t in fromPickle.Values.Concat(fromSafetensors.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Without_the_opt_in_a_pickle_checkpoint_is_refused_with_instructions()
    {
        var act = () => TorchCheckpointReader.Load(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"));
        act.Should().Throw<ModelLoadException>().WithMessage("*AllowPickle = true*");
        var viaFront = () => CheckpointReader.Load(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"));
        viaFront.Should().Throw<ModelLoadException>().WithMessage("*opt in*");
    }

    [Fact]
    public void A_hand_built_checkpoint_yields_the_tensor_its_pickle_describes_and_frees_the_storages()
    {
        using var dir = new TempDir();
        var path = SafetensorsTestFiles.WriteTemp(dir, PickleBuilder.Zip(PickleBuilder.OneTensorStateDict(), ("0", PickleBuilder.FloatBytes(6))), "one.pt");
        long before = LiveTensors.Count;
        var sd = TorchCheckpointReader.Load(path, OptIn);
        sd.Keys.Should().Equal("w");
        sd["w"].shape.Should().Equal(2, 3);
        sd["w"].data<float>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
        LiveTensors.Count.Should().Be(before + 1, "only the returned tensor stays alive");
        sd["w"].Dispose();
    }

    [Fact]
    public void A_protocol_4_pickle_with_frames_memoize_and_stack_global_reads_like_protocol_2()
    {
        static PickleBuilder Short(PickleBuilder b, string s) { b.Op(0x8c).Op((byte)s.Length); return b.Raw(s); }
        var b = new PickleBuilder().Proto(4).Op(0x95).Raw("\0\0\0\0\0\0\0\0");
        Short(b, "collections"); Short(b, "OrderedDict"); b.Op(0x93).Op(0x94).EmptyTuple().Reduce().Op(0x94).Mark();
        Short(b, "w");
        Short(b, "torch._utils"); Short(b, "_rebuild_tensor_v2"); b.Op(0x93).Op(0x94).Mark();
        b.Mark().Str("storage"); Short(b, "torch"); Short(b, "FloatStorage"); b.Op(0x93).Str("0").Str("cpu").Int(6).Tuple().BinPersId();
        b.Int(0).IntTuple(3, 2).IntTuple(1, 3).False(); // a transposed (non-contiguous) view
        b.Op((byte)'h').Op(0).EmptyTuple().Reduce(); // BINGET 0 = OrderedDict, called for backward_hooks
        b.Tuple().Reduce().SetItems().Stop();
        using var dir = new TempDir();
        var path = SafetensorsTestFiles.WriteTemp(dir, PickleBuilder.Zip(b.Bytes(), ("0", PickleBuilder.FloatBytes(6))), "p4.pt");
        var sd = TorchCheckpointReader.Load(path, OptIn);
        sd["w"].shape.Should().Equal(3, 2);
        sd["w"].data<float>().ToArray().Should().Equal(0, 3, 1, 4, 2, 5);
        sd["w"].Dispose();
    }

    public static TheoryData<string, byte[], string> HostilePickles() => new()
    {
        {
            "os.system via GLOBAL + REDUCE",
            new PickleBuilder().Proto().Global("os", "system").Str("echo pwned").Op(0x85).Reduce().Stop().Bytes(),
            "*'os.system'*not on the allow-list*"
        },
        {
            "builtins.eval via STACK_GLOBAL (protocol 4)",
            new PickleBuilder().Proto(4).Str("builtins").Str("eval").Op(0x93).Str("1+1").Op(0x85).Reduce().Stop().Bytes(),
            "*'builtins.eval'*"
        },
        {
            "subprocess.Popen via INST",
            new PickleBuilder().Proto().Mark().Str("ls").Raw("isubprocess\nPopen\n").Stop().Bytes(),
            "*INST*subprocess.Popen*"
        },
        {
            "a torch global outside the allow-list",
            new PickleBuilder().Proto().Global("torch", "load").EmptyTuple().Reduce().Stop().Bytes(),
            "*'torch.load'*"
        },
        {
            "a view past the end of its storage",
            new PickleBuilder().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Mark().Str("w").Tensor("0", 6, 2, new[] { 2, 3 }, new[] { 3, 1 }).SetItems().Stop().Bytes(),
            "*reaches element 7 of a storage holding 6*"
        },
        {
            "a storage whose declared size disagrees with its file",
            new PickleBuilder().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Mark().Str("w").Tensor("0", 600000000, 0, new[] { 2, 3 }, new[] { 3, 1 }).SetItems().Stop().Bytes(),
            "*should hold 2400000000 bytes*"
        },
        {
            "a persistent id that is not a storage",
            new PickleBuilder().Proto().Str("module").BinPersId().Stop().Bytes(),
            "*unexpected persistent id*"
        },
        {
            "a truncated pickle",
            PickleBuilder.OneTensorStateDict()[..40],
            "*Pickle rejected*"
        },
        {
            "not a dictionary",
            new PickleBuilder().Proto().Int(5).Stop().Bytes(),
            "*does not hold a dictionary*"
        },
    };

    [Theory]
    [MemberData(nameof(HostilePickles))]
    public void Hostile_pickles_are_refused_with_a_ModelLoadException_naming_the_problem(string description, byte[] pickle, string fragment)
    {
        using var dir = new TempDir();
        var path = SafetensorsTestFiles.WriteTemp(dir, PickleBuilder.Zip(pickle, ("0", PickleBuilder.FloatBytes(6))), "evil.ckpt");
        long before = LiveTensors.Count;
        var act = () => TorchCheckpointReader.Load(path, OptIn);
        act.Should().Throw<ModelLoadException>(description).WithMessage(fragment);
        LiveTensors.Count.Should().Be(before, "a refused file must not leak tensors");
    }

    [Fact]
    public void A_truncated_checkpoint_archive_is_a_typed_error()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"));
        foreach (int cut in new[] { bytes.Length / 2, bytes.Length - 10, 100 })
        {
            var path = SafetensorsTestFiles.WriteTemp(dir, bytes[..cut], $"cut{cut}.ckpt");
            var act = () => TorchCheckpointReader.Load(path, OptIn);
            act.Should().Throw<ModelLoadException>($"cut at {cut}").WithMessage("*damaged or truncated*");
        }
    }

    [Fact]
    public void A_legacy_non_zip_file_is_a_typed_error()
    {
        using var dir = new TempDir();
        var path = SafetensorsTestFiles.WriteTemp(dir, new PickleBuilder().Proto().Int(1).Stop().Bytes(), "legacy.pt");
        var act = () => TorchCheckpointReader.Load(path, OptIn);
        act.Should().Throw<ModelLoadException>().WithMessage("*before PyTorch 1.6*");
    }

    [Fact]
    public void Over_a_thousand_mutated_checkpoints_only_ever_raise_ModelLoadException()
    {
        var rng = new Random(4242);
        var pickle = PickleBuilder.OneTensorStateDict();
        var storage = PickleBuilder.FloatBytes(6);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "fuzz.ckpt");
        int rejected = 0, accepted = 0;
        long before = LiveTensors.Count;
        for (int i = 0; i < 1200; i++)
        {
            byte[] file;
            if (i % 3 == 2)
            {
                file = PickleBuilder.Zip(pickle, ("0", storage));
                for (int f = rng.Next(1, 4); f > 0; f--) file[rng.Next(file.Length)] = (byte)rng.Next(256);
            }
            else
            {
                var p = (byte[])pickle.Clone();
                for (int f = rng.Next(1, 3); f > 0; f--) p[rng.Next(p.Length)] = (byte)rng.Next(256);
                file = PickleBuilder.Zip(p, ("0", storage));
            }
            File.WriteAllBytes(path, file);
            try
            {
                var sd = TorchCheckpointReader.Load(path, OptIn);
                foreach (var t in sd.Values) t.Dispose();
                accepted++;
            }
            catch (ModelLoadException)
            {
                rejected++;
            }
        }
        rejected.Should().BeGreaterThan(300);
        accepted.Should().BeGreaterThan(0);
        LiveTensors.Count.Should().Be(before);
    }
}

public class CheckpointReaderTests
{
    [Fact]
    public void A_file_that_is_neither_safetensors_nor_a_torch_zip_is_named_as_such_even_without_the_opt_in()
    {
        using var dir = new TempDir();
        var path = SafetensorsTestFiles.WriteTemp(dir, System.Text.Encoding.ASCII.GetBytes("model:\n  params: {}\n"), "config.yaml");
        var act = () => CheckpointReader.Load(path);
        act.Should().Throw<ModelLoadException>().WithMessage("Neither a safetensors file nor a PyTorch zip checkpoint*");
    }
}
