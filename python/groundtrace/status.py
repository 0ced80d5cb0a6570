"""A job's status as text (``groundtrace status FOLDER``): the same rows the panel shows."""


def _number(x):
    return '?' if x is None else ('{:g}'.format(x) if isinstance(x, float) else str(x))


def _eta(seconds):
    if seconds is None:
        return ''
    seconds = int(round(seconds))
    return 'ETA {}:{:02d}:{:02d}'.format(seconds // 3600, seconds // 60 % 60, seconds % 60)


def status_text(status):
    """``status`` is a job status of the jobs protocol (``jobs.job_status``)."""
    lines = ['{}: {}{}'.format(status['path'], status['state'],
                               ' (pid {})'.format(status['pid']) if status.get('pid') else '')]
    if status.get('error'):
        lines.append('error: {}'.format(status['error']))
    if status.get('hint'):
        lines.append('hint: {}'.format(status['hint']))
    progress = status.get('progress') or {}
    rows = progress.get('rows') or []
    if not rows:
        lines.append('no progress yet' if not progress else 'progress.json of an older groundtrace: no stage rows')
    width = max([len(r['stage']) for r in rows] + [5])
    for row in rows:
        head = '{:<{}}  {:<8}'.format(row['stage'], width, row['status'])
        if row['status'] in ('skipped', 'waiting'):
            lines.append('{}  {}'.format(head, row.get('note', '')).rstrip())
            continue
        parts = ['{}/{}'.format(row['done'], _number(row.get('total')))]
        if row['status'] == 'running' and row.get('rate'):
            parts.append('{}/s'.format(_number(row['rate'])))
            parts.append(_eta(row.get('eta_s')))
        lines.append('  '.join([head] + [p for p in parts if p]))
        for label, n in row.get('counts', {}).items():
            lines.append('{:<{}}    {:<34} {:>8}'.format('', width, label, _number(n)))
    for node in progress.get('nodes') or []:
        lines.append('node ' + node_text(node))
    return '\n'.join(lines)


def _plural(n, word):
    return '{} {}{}'.format(_number(n), word, '' if n == 1 else 's')


def node_text(node):
    """One node of a Ray job (progress.json ``nodes``): "127.0.0.1: 1 actor, 2 CPUs, 120 done,
    14.2/s", "(lost)" once it has no actor left; the panel's node rows say the same."""
    parts = [_plural(node.get('actors', 0), 'actor'), _plural(node.get('cpus', 0), 'CPU'),
             '{} done'.format(node.get('done', 0))]
    if node.get('rate'):
        parts.append('{}/s'.format(_number(node['rate'])))
    return '{}: {}{}'.format(node['node'], ', '.join(parts), '' if node.get('alive', True) else ' (lost)')
