#!/usr/bin/env python3
"""knf.py [--check] FILE... - rewrite C files into the project's KNF
dialect (the one daemon/ and common/ use, tmux's):
  return (x);          not  return x;
  sizeof(x)            not  sizeof x / sizeof (x)
  type<TAB>name;       local and member declarations: the names of a block
                       of declarations aligned on one tab stop, a space
                       before a name that is not a pointer when another
                       in the block is one (int		 i; / struct ctl	*c;)
Comments, strings and preprocessor lines are left alone.  --check prints
what it would change (file:line) and exits 1 if anything would.
tests/knf.sh runs the check over lib/ daemon/ common/ src/ tests/ in make check.
"""
import re
import sys

BASE = (r'(?:(?:unsigned|signed|short|long|int|char|double|float|void|bool|'
        r'[a-z_][a-z0-9_]*_t|FILE|DIR|va_list|fd_set|sigjmp_buf|jmp_buf)\b ?)+')
QUAL = r'(?:(?:const|volatile|static|register|extern|_Atomic)\s+)*'
TYPE = (r'(?:' + QUAL + r'(?:(?:struct|union|enum)\s+[A-Za-z_]\w*|' + BASE +
        r')(?:\s+const)?)')
DECL = re.compile(r'^(\t+)(' + TYPE + r')[ \t]+(\**)([A-Za-z_]\w*)(.*)$')
NOTTYPE = {'return', 'goto', 'else', 'case', 'do', 'sizeof', 'typedef'}


def mask(lines):
    """Per line, a copy with comments, strings and chars blanked ('#'
    lines wholly blanked), so that patterns only see code."""
    out = []
    incom = False
    for ln in lines:
        if not incom and ln.lstrip().startswith('#'):
            out.append(' ' * len(ln))
            continue
        m = []
        i = 0
        while i < len(ln):
            c = ln[i]
            if incom:
                if ln.startswith('*/', i):
                    incom = False
                    m.append('  ')
                    i += 2
                    continue
                m.append(' ')
                i += 1
                continue
            if ln.startswith('/*', i):
                incom = True
                m.append('  ')
                i += 2
                continue
            if ln.startswith('//', i):
                m.append(' ' * (len(ln) - i))
                break
            if c in '"\'':
                q = c
                m.append(c)
                i += 1
                while i < len(ln) and ln[i] != q:
                    if ln[i] == '\\':
                        m.append(' ')
                        i += 1
                    if i < len(ln):
                        m.append(' ')
                        i += 1
                if i < len(ln):
                    m.append(q)
                    i += 1
                continue
            m.append(c)
            i += 1
        out.append(''.join(m))
    return out


def match_paren(s, i):
    """s[i] is '(' / '['; index of its partner or -1."""
    o = s[i]
    c = ')' if o == '(' else ']'
    d = 0
    for j in range(i, len(s)):
        if s[j] == o:
            d += 1
        elif s[j] == c:
            d -= 1
            if d == 0:
                return j
    return -1


def fix_sizeof(line, masked):
    res = []
    i = 0
    pat = re.compile(r'\bsizeof\b')
    while True:
        m = pat.search(masked, i)
        if not m:
            res.append(line[i:])
            break
        j = m.end()
        res.append(line[i:j])
        k = j
        while k < len(masked) and masked[k] == ' ':
            k += 1
        if k < len(masked) and masked[k] == '(':
            # sizeof (x) -> sizeof(x)
            i = k
            continue
        if k == j:
            i = j
            continue
        # sizeof operand: unary-expression without parentheses
        e = k
        while e < len(masked) and masked[e] in '*&':
            e += 1
        m2 = re.match(r'[A-Za-z_]\w*', masked[e:])
        if not m2:
            res.append(line[j:k])
            i = k
            continue
        e += m2.end()
        while e < len(masked):
            if masked[e] == '[':
                f = match_paren(masked, e)
                if f < 0:
                    break
                e = f + 1
            elif masked[e] == '.' and re.match(r'\.[A-Za-z_]', masked[e:]):
                e += 1 + re.match(r'\w+', masked[e + 1:]).end()
            elif masked.startswith('->', e):
                e += 2 + re.match(r'\w+', masked[e + 2:]).end()
            else:
                break
        res.append('(' + line[k:e] + ')')
        i = e
    return ''.join(res)


def fix_returns(lines, masked):
    """return x; -> return (x);  (x may span lines)"""
    n = len(lines)
    for li in range(n):
        ms = masked[li]
        for m in re.finditer(r'\breturn\b', ms):
            j = m.end()
            if j >= len(ms) or ms[j] != ' ':
                continue        # return; or return(
            k = j + 1
            # find the statement's end: ';' at depth 0, maybe lines later
            d = 0
            endl, endc = None, None
            l2, c2 = li, k
            while l2 < n and endl is None:
                s = masked[l2]
                while c2 < len(s):
                    ch = s[c2]
                    if ch in '([{':
                        d += 1
                    elif ch in ')]}':
                        d -= 1
                    elif ch == ';' and d == 0:
                        endl, endc = l2, c2
                        break
                    c2 += 1
                if endl is None:
                    l2 += 1
                    c2 = 0
                    if l2 - li > 8:
                        break
            if endl is None:
                continue
            # already (x)?  whole operand one parenthesis
            if ms[k] == '(':
                if endl == li:
                    e = match_paren(ms, k)
                    if e == endc - 1 or (e > 0 and ms[e + 1:endc].strip() == ''):
                        continue
                else:
                    joined = '\n'.join(masked[li:endl + 1])
                    off = k
                    e = match_paren(joined, off)
                    endoff = sum(len(x) + 1 for x in masked[li:endl]) + endc
                    if e > 0 and joined[e + 1:endoff].strip() == '':
                        continue
            # wrap: '(' at k on line li, ')' before ';' at (endl, endc)
            # (end first: same line offsets stay valid)
            t = lines[endl]
            tm = masked[endl]
            # put ')' right after the last non-space before ';'
            p = endc
            while p > 0 and tm[p - 1] == ' ' and not (endl == li and p - 1 < k):
                p -= 1
            lines[endl] = t[:p] + ')' + t[p:]
            masked[endl] = tm[:p] + ')' + tm[p:]
            lines[li] = lines[li][:k] + '(' + lines[li][k:]
            masked[li] = masked[li][:k] + '(' + masked[li][k:]
            return True         # rescan this line (offsets moved)
    return False


def width(s, col=0):
    for ch in s:
        col = (col // 8 + 1) * 8 if ch == '\t' else col + 1
    return col


def decl_of(line, mline):
    m = DECL.match(mline)
    if not m:
        return None
    ty = m.group(2).strip()
    if ty.split()[0] in NOTTYPE:
        return None
    rest = m.group(5)
    # a declaration, not a call or a statement: the name, then [ = ; , :
    if rest and rest.lstrip()[:1] not in ('[', '=', ';', ',', ':') \
            and not rest.lstrip().startswith('__attribute__'):
        return None
    # function prototypes (a name directly followed by '(') do not match
    return (m.group(1), ty, m.group(3), m.start(3) if m.group(3) else
            m.start(4))


def fix_decls(lines, masked):
    out = list(lines)
    n = len(lines)
    i = 0
    while i < n:
        d = decl_of(lines[i], masked[i])
        if not d:
            i += 1
            continue
        # a block: consecutive declarations at the same indent (a
        # declaration's continuation lines belong to it)
        block = []
        j = i
        while j < n:
            dj = decl_of(lines[j], masked[j])
            if not dj or dj[0] != d[0]:
                break
            block.append((j, dj))
            # continuation until the line ends the declaration
            k = j
            depth = 0
            while k < n:
                s = masked[k]
                depth += s.count('(') + s.count('{') - s.count(')') - \
                    s.count('}')
                if depth <= 0 and s.rstrip().endswith(';'):
                    break
                k += 1
            j = k + 1
        ind = d[0]
        anyptr = any(dj[2] for _, dj in block)
        tw = max(width(ind + dj[1]) for _, dj in block)
        col = (tw // 8 + 1) * 8
        for lj, dj in block:
            namepart = lines[lj][dj[3]:]
            pad = ''
            c = width(ind + dj[1])
            while c < col:
                pad += '\t'
                c = (c // 8 + 1) * 8
            lead = ' ' if anyptr and not dj[2] else ''
            new = ind + dj[1] + pad + lead + namepart
            out[lj] = new
        # only a block written in the other dialect is realigned
        if not any(
                masked[lj][len(ind) + len(dj[1])] == ' ' for lj, dj in block):
            for lj, _ in block:
                out[lj] = lines[lj]
        i = j
    return out


def fix_file(path, check):
    with open(path) as f:
        text = f.read()
    lines = text.split('\n')
    orig = list(lines)
    masked = mask(lines)
    # sizeof
    lines = [fix_sizeof(l, m) for l, m in zip(lines, masked)]
    masked = mask(lines)
    while fix_returns(lines, masked):
        pass
    masked = mask(lines)
    lines = fix_decls(lines, masked)
    diffs = [i + 1 for i, (a, b) in enumerate(zip(orig, lines)) if a != b]
    if check:
        for d in diffs:
            print('%s:%d: %s' % (path, d, orig[d - 1].strip()))
        return bool(diffs)
    if diffs:
        with open(path, 'w') as f:
            f.write('\n'.join(lines))
    return bool(diffs)


def main():
    args = sys.argv[1:]
    check = False
    if args and args[0] == '--check':
        check = True
        args = args[1:]
    bad = False
    for a in args:
        bad |= fix_file(a, check)
    sys.exit(1 if check and bad else 0)


if __name__ == '__main__':
    main()
