import collections,sys
stacks=open(sys.argv[1]).read().split('\n\n')
tot=0; c=collections.Counter()
def has(lines,x): return any(x in l for l in lines)
for s in stacks:
    lines=[(l.split()[1] if len(l.split())>1 else '') for l in s.strip().split('\n')[1:]]
    if not lines: continue
    tot+=1
    if has(lines,'AfterTriggerEndQuery'):
        if has(lines,'plpgsql'):
            k='after-trigger plpgsql (clocks urgency)'
            if has(lines,'ExecInsertIndexTuples'): k+=': appeal index entries'
            elif has(lines,'planner'): k+=': planning'
            elif has(lines,'ExecutorStart') : k+=': executor start'
            c[k]+=1
        elif has(lines,'RI_'): c['after-trigger RI (foreign keys)']+=1
        else: c['after-trigger other']+=1
    elif has(lines,'ExecBRInsertTriggers'): c['before-insert trigger (appeals urgency)']+=1
    elif has(lines,'ExecInsertIndexTuples'):
        c['index entries of inserts']+=1
        if has(lines,'gininsert'): c['  of which GIN']+=1
    elif has(lines,'CommitTransaction') or has(lines,'XLogFlush'): c['commit']+=1
    elif has(lines,'ExecutorStart') or has(lines,'PortalStart'): c['executor start']+=1
    elif has(lines,'send') or has(lines,'secure_read') or has(lines,'pq_get') or has(lines,'recv'): c['network io']+=1
    elif has(lines,'planner') or has(lines,'GetCachedPlan'): c['planning/plancache']+=1
    elif has(lines,'heap_insert'): c['heap insert']+=1
    elif has(lines,'ExecutorEnd') or has(lines,'PortalDrop'): c['executor end']+=1
    elif has(lines,'ExecutorRun') or has(lines,'ExecModifyTable'): c['executor other']+=1
    else: c['other']+=1
print(tot, "samples")
for k,v in sorted(c.items(), key=lambda kv:-kv[1]): print(f"{v*100/tot:5.1f}% {k}")
