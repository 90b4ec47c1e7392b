namespace Milter.Protocol;
