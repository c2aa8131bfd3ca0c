import sys,collections
# samples file -> ticks, lock waits per tick, top lock-wait queries
for f in sys.argv[1:]:
    ticks=0; lock=collections.Counter(); waits=collections.Counter(); ticks_with_lock=0; cur=0
    for line in open(f):
        p=line.rstrip('\n').split('|')
        if len(p)<4: continue
        if p[1]=='TICK':
            ticks+=1
            if cur: ticks_with_lock+=1
            cur=0; continue
        waits[p[1]+':'+p[2]]+=1
        if p[1]=='Lock': lock[p[2]+' '+p[3]]+=1; cur+=1
    nl=sum(lock.values())
    print(f"{f}: samples={ticks} lock-waiting backends/sample={nl/max(ticks,1):.2f} samples with a lock wait={100*ticks_with_lock/max(ticks,1):.0f}%")
    for k,v in waits.most_common(6): print(f"   {k}: {v/max(ticks,1):.2f}/sample")
    for k,v in lock.most_common(4): print(f"   LOCK {k}: {v}")
