import zlib, struct, sys
data=open(sys.argv[1],'rb').read()
assert data[:8]==b'\x89PNG\r\n\x1a\n'
pos=8; idat=b''; 
while pos<len(data):
    n,t=struct.unpack('>I4s',data[pos:pos+8]); body=data[pos+8:pos+8+n]; pos+=12+n
    if t==b'IHDR': w,h,bd,ct,_,_,il=struct.unpack('>IIBBBBB',body)
    elif t==b'IDAT': idat+=body
assert bd==8 and ct in (2,6) and il==0, (bd,ct,il)
bpp=3 if ct==2 else 4
raw=zlib.decompress(idat); stride=w*bpp; rows=[]; prev=bytearray(stride); p=0
for y in range(h):
    f=raw[p]; line=bytearray(raw[p+1:p+1+stride]); p+=1+stride
    for i in range(stride):
        a=line[i-bpp] if i>=bpp else 0; b=prev[i]; c=prev[i-bpp] if i>=bpp else 0
        if f==1: line[i]=(line[i]+a)&255
        elif f==2: line[i]=(line[i]+b)&255
        elif f==3: line[i]=(line[i]+((a+b)>>1))&255
        elif f==4:
            pa=abs(b-c); pb=abs(a-c); pc=abs(a+b-2*c)
            pr=a if pa<=pb and pa<=pc else (b if pb<=pc else c)
            line[i]=(line[i]+pr)&255
    rows.append(bytes(line) if bpp==3 else bytes(b for k in range(w) for b in line[4*k:4*k+3])); prev=line
W,H=int(sys.argv[2]),int(sys.argv[3])
def refl(i,n):
    m=i%(2*n); return m if m<n else 2*n-1-m
xs=[refl(x,w) for x in range(W)]
out=open(sys.argv[4],'wb'); out.write(b'P6\n%d %d\n255\n'%(W,H))
cache={}
for y in range(H):
    sy=refl(y,h)
    if sy not in cache:
        r=rows[sy]; cache[sy]=b''.join(r[3*x:3*x+3] for x in xs)
    out.write(cache[sy])
