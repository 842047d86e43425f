namespace DragVideo.Abstractions.Tests.Runtime;

public class OpenMpWaitPolicyTests
{
    [Fact]
    public void Loading_the_runtime_makes_openmp_threads_wait_passively_unless_the_environment_chose()
    {
        if (!OperatingSystem.IsLinux()) return; // set through glibc's setenv
        TorchRuntime.EnsureLoaded();
        string? chosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        Assert.Equal(chosen ?? "PASSIVE", TorchRuntime.OpenMpWaitPolicy);
    }
}
