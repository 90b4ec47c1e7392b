namespace Milter.Policy;
