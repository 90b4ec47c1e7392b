using System.Reflection;
using System.Reflection.Emit;

namespace Milter.Host.Tests.Architecture;

/// <summary>
/// The namespaces of one assembly as a graph: namespace A depends on B when a type declared in A (its nested and
/// compiler-generated types included: lambdas, async state machines) names a type declared in B, in its base type,
/// interfaces, fields, properties, signatures, attributes, locals or method bodies (every type, method and field token
/// of the IL). Constants are inlined by the compiler and leave no trace in the IL, so a reference only through a
/// <c>const</c> is not seen. <see cref="Cycles"/> lists the strongly connected components of more than one namespace.
/// </summary>
internal sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    private NamespaceGraph(Assembly assembly, string root)
    {
        foreach (Type type in assembly.GetTypes())
        {
            if (NamespaceOf(type) is not { } from || !Within(from, root))
            {
                continue;
            }

            foreach (Type used in Referenced(type))
            {
                if (used.Assembly == assembly && NamespaceOf(used) is { } to && Within(to, root) && to != from)
                {
                    Dictionary<string, string> targets = _edges.TryGetValue(from, out var t) ? t : _edges[from] = new(StringComparer.Ordinal);
                    targets.TryAdd(to, $"{Outermost(type).Name} -> {Outermost(used).Name}");
                }
            }
        }
    }

    /// <summary>Every namespace that depends on another, with the namespaces it depends on.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    /// <summary>The graph of the namespaces under <paramref name="root"/> (default: the assembly's name).</summary>
    public static NamespaceGraph Of(Assembly assembly, string? root = null) => new(assembly, root ?? assembly.GetName().Name!);

    /// <summary>Each cycle as its namespaces (sorted), the edges that close it and one type pair per edge.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var cycles = new List<string>();
        foreach (List<string> component in StronglyConnected().Where(c => c.Count > 1))
        {
            component.Sort(StringComparer.Ordinal);
            IEnumerable<string> edges = component
                .SelectMany(from => _edges[from].Where(e => component.Contains(e.Key)).Select(e => $"  {from} -> {e.Key} ({e.Value})"));
            cycles.Add(string.Join(" <-> ", component) + Environment.NewLine + string.Join(Environment.NewLine, edges));
        }

        return cycles;
    }

    private static bool Within(string ns, string root) => ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static string? NamespaceOf(Type type) => Outermost(type).Namespace;

    /// <summary>Tarjan's algorithm over <see cref="_edges"/>.</summary>
    private List<List<string>> StronglyConnected()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in _edges.TryGetValue(node, out var targets) ? targets.Keys : Enumerable.Empty<string>())
            {
                if (!index.TryGetValue(next, out _))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next) && index.TryGetValue(next, out int at))
                {
                    low[node] = Math.Min(low[node], at);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                components.Add(component);
            }
        }

        foreach (string node in _edges.Keys.ToList())
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return components;
    }

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            found.Add(baseType);
        }

        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        found.AddRange(type.GetFields(declared).Select(f => f.FieldType));
        found.AddRange(type.GetProperties(declared).Select(p => p.PropertyType));
        found.AddRange(type.GetEvents(declared).Select(e => e.EventHandlerType!));
        foreach (MethodBase method in type.GetMethods(declared).Cast<MethodBase>().Concat(type.GetConstructors(declared)))
        {
            if (method is MethodInfo info)
            {
                found.Add(info.ReturnType);
            }

            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            found.AddRange(method.GetCustomAttributesData().Select(a => a.AttributeType));
            if (method.GetMethodBody() is { } body)
            {
                found.AddRange(body.LocalVariables.Select(l => l.LocalType));
                found.AddRange(InBody(method, body.GetILAsByteArray() ?? []));
            }
        }

        return found.SelectMany(Unwrap);
    }

    /// <summary>The element and generic argument types inside a type (<c>List&lt;Lease[]&gt;</c> is List, Lease).</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType)
        {
            return Unwrap(type.GetElementType()!);
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            return type.GetGenericArguments().SelectMany(Unwrap).Prepend(type.GetGenericTypeDefinition());
        }

        return type.IsGenericParameter ? [] : [type];
    }

    /// <summary>The types behind every type, method and field token in a method's IL.</summary>
    private static IEnumerable<Type> InBody(MethodBase method, byte[] il)
    {
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField:
                    int token = BitConverter.ToInt32(il, at);
                    if (Resolve(method.Module, token, typeArguments, methodArguments) is { } member)
                    {
                        foreach (Type t in TypesOf(member))
                        {
                            yield return t;
                        }
                    }

                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                default:
                    at += op.OperandType switch
                    {
                        OperandType.InlineNone => 0,
                        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                        OperandType.InlineVar => 2,
                        OperandType.InlineI8 or OperandType.InlineR => 8,
                        _ => 4,
                    };
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static IEnumerable<Type> TypesOf(MemberInfo member) => member switch
    {
        Type type => [type],
        MethodInfo { IsGenericMethod: true } method => method.GetGenericArguments().Prepend(method.DeclaringType!),
        _ => member.DeclaringType is { } declaring ? [declaring] : [],
    };
}
