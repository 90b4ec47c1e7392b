using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// A socket's descriptor held for one native call (<c>using var use = new DescriptorUse(handle);</c> then
/// <see cref="Fd"/>): the handle's reference count is raised, so a close meanwhile cannot hand the number to another
/// file, and lowered at <see cref="Dispose"/>. A closed handle throws <see cref="ObjectDisposedException"/> here.
/// </summary>
internal ref struct DescriptorUse
{
    private readonly SafeHandle _handle;
    private bool _added;

    public DescriptorUse(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _added);
    }

    public readonly int Fd => (int)_handle.DangerousGetHandle();

    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _handle.DangerousRelease();
        }
    }
}
